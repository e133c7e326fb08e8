package io.clawgo.protocol;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A command for a node.
 *
 * @param action what to do: {@code run}, {@code invoke}, {@code agent_task}, ... (any other string is invoke-class)
 * @param node   target node id
 * @param task   the prompt of an {@code agent_task}
 * @param model  optional model of an {@code agent_task}
 * @param args   action arguments (never {@code null}; JSON numbers read as {@code Long} or {@code Double})
 * @param traceparent the W3C trace context of the caller, or {@code null} (the usual case): sent to the node's
 *               endpoint as the {@code traceparent} HTTP header; on the wire an optional field that nodes which do
 *               not know it ignore. Only a valid version {@code 00} value is kept ({@link Traceparent}); any other
 *               is dropped
 */
public record Request(String action, String node, String task, String model, Map<String, Object> args,
                      String traceparent) {

    /**
     * Creates a request; {@code args} is copied into an unmodifiable map ({@code null} becomes empty), and an invalid
     * {@code traceparent} becomes {@code null}.
     *
     * @param action      what to do
     * @param node        target node id
     * @param task        the prompt of an {@code agent_task}
     * @param model       optional model
     * @param args        action arguments, or {@code null}
     * @param traceparent the caller's W3C {@code traceparent}, or {@code null}
     */
    public Request {
        args = args == null || args.isEmpty() ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(args));
        traceparent = traceparent == null ? null : Traceparent.validOrNull(traceparent);
    }

    /**
     * Creates a request without trace context.
     *
     * @param action what to do
     * @param node   target node id
     * @param task   the prompt of an {@code agent_task}
     * @param model  optional model
     * @param args   action arguments, or {@code null}
     */
    public Request(String action, String node, String task, String model, Map<String, Object> args) {
        this(action, node, task, model, args, null);
    }

    /**
     * A request for {@code action} with nothing else set.
     *
     * @param action the action
     * @return a request without node, task, model or arguments
     */
    public static Request of(String action) {
        return new Request(action, null, null, null, null);
    }

    /**
     * An {@code agent_task} for {@code node}.
     *
     * @param node target node id
     * @param task the prompt
     * @param args arguments, for example {@code remote_agent_id}; {@code null} for none
     * @return a request without a model
     */
    public static Request agentTask(String node, String task, Map<String, Object> args) {
        return new Request("agent_task", node, task, null, args);
    }

    /**
     * This request for another node.
     *
     * @param newNode the target node id
     * @return a copy with {@code node} replaced
     */
    public Request withNode(String newNode) {
        return new Request(action, newNode, task, model, args, traceparent);
    }

    /**
     * This request with another task text.
     *
     * @param newTask the task text
     * @return a copy with {@code task} replaced
     */
    public Request withTask(String newTask) {
        return new Request(action, node, newTask, model, args, traceparent);
    }

    /**
     * This request with other arguments.
     *
     * @param newArgs the arguments; {@code null} for none
     * @return a copy with {@code args} replaced
     */
    public Request withArgs(Map<String, Object> newArgs) {
        return new Request(action, node, task, model, newArgs, traceparent);
    }

    /**
     * This request with another trace context.
     *
     * @param newTraceparent a W3C {@code traceparent}; {@code null}, or an invalid value, for none
     * @return a copy with {@code traceparent} replaced
     */
    public Request withTraceparent(String newTraceparent) {
        return new Request(action, node, task, model, args, newTraceparent);
    }

    /**
     * The trace id of {@link #traceparent()}.
     *
     * @return its 32 hexadecimal digits, or {@code null} when the request carries no trace context
     */
    public String traceId() {
        return Traceparent.traceId(traceparent);
    }

    /**
     * A string argument.
     *
     * @param key the argument name
     * @return its value, or {@code null} when absent or not a string
     */
    public String stringArg(String key) {
        Object v = args.get(key);
        return v instanceof String s ? s : null;
    }
}
