package io.clawgo.internal.subagent;

import io.clawgo.internal.audit.Clipped;
import io.clawgo.internal.audit.JsonlAudit;
import io.clawgo.internal.concurrent.NamedThreadFactory;
import io.clawgo.internal.registry.NodeLookup;
import io.clawgo.protocol.DispatchMode;
import io.clawgo.internal.transport.NodeDispatcher;
import io.clawgo.protocol.ErrorCodes;
import io.clawgo.protocol.NodeInfo;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.protocol.WireCodec;
import io.clawgo.subagent.AgentEntry;
import io.clawgo.subagent.AgentHandler;
import io.clawgo.subagent.DispatchResult;
import io.clawgo.subagent.SpawnRequest;
import io.clawgo.subagent.SubagentReply;
import io.clawgo.subagent.SubagentRuntime;
import io.clawgo.subagent.SubagentTask;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's subagent runtime: local agents run on a bounded executor; node branches become {@code agent_task}
 * requests dispatched through the {@link NodeDispatcher}. Task records are bounded in memory and appended to an audit
 * when they end. The records and the audit keep at most {@code maxStoredChars} of a task's result, error and code
 * ({@code gateway.nodes.max_stored_text_chars}); only a {@link #dispatchAndWait} caller still waiting when the task ends
 * gets the whole text.
 */
public final class DefaultSubagentRuntime implements SubagentRuntime, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DefaultSubagentRuntime.class);
    private static final String NODE_PREFIX = "node.";
    private static final Set<String> RETRYABLE = Set.of(ErrorCodes.P2P_UNAVAILABLE, ErrorCodes.P2P_TIMEOUT,
            ErrorCodes.P2P_SEND_FAILED, ErrorCodes.P2P_BUSY, ErrorCodes.NODE_BUSY, ErrorCodes.NODE_OFFLINE);
    private static final Duration RETRY_BACKOFF = Duration.ofMillis(500);
    /** Longest task text accepted. */
    public static final int MAX_TASK_CHARS = 256 * 1024;

    /** A local agent and its display name. */
    public record LocalAgent(String id, String displayName, AgentHandler handler) {
    }

    private final NodeLookup registry;
    private final NodeDispatcher dispatcher;
    private final Function<String, Map<String, Object>> p2pStatus;
    private final Map<String, LocalAgent> localAgents;
    private final JsonlAudit audit;
    private final Clock clock;
    private final int maxTasks;
    private final Map<String, Entry> tasks = new ConcurrentHashMap<>();
    private final AtomicLong seq = new AtomicLong();
    private final ExecutorService localExecutor;
    private final ScheduledExecutorService scheduler;
    private final Semaphore running;
    private final int maxStoredChars;

    private static final class Entry {
        /** The kept snapshot: result, error and code bounded. */
        volatile SubagentTask task;
        /** Completed with the kept snapshot when the task ends. */
        final CompletableFuture<SubagentTask> done = new CompletableFuture<>();
        /**
         * Completed with the whole, unbounded snapshot when the task ends, while a dispatch_and_wait caller waits for
         * it; {@code null} otherwise, so that no record holds a node's whole answer once nobody waits.
         */
        volatile CompletableFuture<SubagentTask> whole;

        Entry(SubagentTask task) {
            this.task = task;
        }
    }

    /**
     * @param p2pStatus   node id -> its P2P session summary for the registry view
     * @param maxTasks    task records kept in memory (finished ones are evicted oldest first)
     * @param maxRunning  tasks running at once; more are rejected with a clear error
     */
    public DefaultSubagentRuntime(NodeLookup registry, NodeDispatcher dispatcher,
                                  Function<String, Map<String, Object>> p2pStatus, List<LocalAgent> localAgents,
                                  JsonlAudit audit, ScheduledExecutorService scheduler, int maxTasks, int maxRunning) {
        this(registry, dispatcher, p2pStatus, localAgents, audit, scheduler, maxTasks, maxRunning,
                io.clawgo.config.NodePolicy.DEFAULT_MAX_STORED_TEXT_CHARS);
    }

    /**
     * @param p2pStatus      node id -> its P2P session summary for the registry view
     * @param maxTasks       task records kept in memory (finished ones are evicted oldest first)
     * @param maxRunning     tasks running at once; more are rejected with a clear error
     * @param maxStoredChars the longest result, error or code text kept in a task record and in the audit
     */
    public DefaultSubagentRuntime(NodeLookup registry, NodeDispatcher dispatcher,
                                  Function<String, Map<String, Object>> p2pStatus, List<LocalAgent> localAgents,
                                  JsonlAudit audit, ScheduledExecutorService scheduler, int maxTasks, int maxRunning,
                                  int maxStoredChars) {
        this(registry, dispatcher, p2pStatus, localAgents, audit, scheduler, maxTasks, maxRunning, maxStoredChars,
                new NamedThreadFactory("clawgo-agent-"), Clock.systemUTC());
    }

    /**
     * @param p2pStatus      node id -> its P2P session summary for the registry view
     * @param maxTasks       task records kept in memory (finished ones are evicted oldest first)
     * @param maxRunning     tasks running at once; more are rejected with a clear error
     * @param maxStoredChars the longest result, error or code text kept in a task record and in the audit
     * @param threads        makes the threads that run local agents
     * @param clock          the {@code created} and {@code updated} times of task records
     */
    public DefaultSubagentRuntime(NodeLookup registry, NodeDispatcher dispatcher,
                                  Function<String, Map<String, Object>> p2pStatus, List<LocalAgent> localAgents,
                                  JsonlAudit audit, ScheduledExecutorService scheduler, int maxTasks, int maxRunning,
                                  int maxStoredChars, ThreadFactory threads, Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.maxStoredChars = maxStoredChars;
        this.registry = registry;
        this.dispatcher = dispatcher;
        this.p2pStatus = p2pStatus;
        Map<String, LocalAgent> agents = new LinkedHashMap<>();
        for (LocalAgent a : localAgents) {
            agents.put(a.id(), a);
        }
        this.localAgents = Map.copyOf(agents);
        this.audit = audit;
        this.scheduler = scheduler;
        this.maxTasks = maxTasks;
        this.running = new Semaphore(maxRunning);
        this.localExecutor = Executors.newCachedThreadPool(threads);
    }

    @Override
    public List<SubagentTask> list() {
        List<SubagentTask> out = new ArrayList<>();
        tasks.values().forEach(e -> out.add(e.task));
        out.sort(Comparator.comparing(SubagentTask::created).thenComparing(SubagentTask::id).reversed());
        return out;
    }

    @Override
    public Optional<SubagentTask> get(String taskId) {
        Entry e = taskId == null ? null : tasks.get(taskId.trim());
        return e == null ? Optional.empty() : Optional.of(e.task);
    }

    @Override
    public SubagentTask spawn(SpawnRequest request) {
        return start(request, false).task;
    }

    @Override
    public DispatchResult dispatchAndWait(SpawnRequest request, Duration wait) {
        Entry e = start(request, true);
        CompletableFuture<SubagentTask> whole = e.whole;
        SubagentTask t;
        try {
            t = whole.get(Math.max(1, wait.toMillis()), TimeUnit.MILLISECONDS);
        } catch (TimeoutException te) {
            t = e.task;
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            t = e.task;
        } catch (ExecutionException ee) {
            t = e.task;
        } finally {
            e.whole = null; // the record keeps only the bounded snapshot from now on
        }
        String status = t.isDone() ? t.status() : SubagentReply.TIMEOUT;
        String error = t.isDone() ? t.error()
                : "no result within " + wait.toSeconds() + " s; the task goes on (see action get, id " + t.id() + ")";
        SubagentReply reply = new SubagentReply(status, t.result(), error, t.isDone() ? t.code() : ErrorCodes.TIMEOUT,
                t.id(), t.agentId(), t.nodeId(), t.usedTransport(), t.fallbackFrom());
        String body = t.result() != null && !t.result().isEmpty() ? t.result()
                : error != null ? error : "(empty result)";
        String merged = "[" + t.id() + "] agent=" + t.agentId() + " status=" + status + "\n" + body;
        return new DispatchResult(t, reply, merged);
    }

    @Override
    public List<AgentEntry> registry() {
        return registry(registry.list());
    }

    /**
     * The registry restricted to some nodes: {@code main}, the local agents and the branches of {@code nodes} only
     * (what one page of the web UI shows), sorted by agent id. Costs the given nodes, not the whole fleet.
     */
    public List<AgentEntry> registry(Collection<NodeInfo> nodes) {
        Map<String, AgentEntry> out = new TreeMap<>();
        // the root of the tree; the gateway runs no model, so it takes no tasks itself
        out.put("main", new AgentEntry("main", "Main Agent", "router", "local", null, null, false, true, "local",
                null));
        for (LocalAgent a : localAgents.values()) {
            out.put(a.id(), new AgentEntry(a.id(), a.displayName(), "local", "local", null,
                    a.id().equals("main") ? null : "main", true, true, "local", null));
        }
        for (NodeInfo n : nodes) {
            String root = NODE_PREFIX + n.id() + ".main";
            Map<String, Object> p2p = p2pStatus.apply(n.id());
            String name = n.name() == null || n.name().isBlank() ? n.id() : n.name();
            out.put(root, new AgentEntry(root, name + " Main Agent", "node_branch", "node", n.id(), "main",
                    n.online(), n.online(), "node_registry", p2p));
            for (var agent : n.agents()) {
                if (agent.id() == null || agent.id().isBlank() || agent.id().equals("main")) {
                    continue;
                }
                String id = NODE_PREFIX + n.id() + "." + agent.id();
                String display = name + " / " + (agent.displayName() == null ? agent.id() : agent.displayName());
                out.put(id, new AgentEntry(id, display, "node_branch", "node", n.id(), root, n.online(), n.online(),
                        "node_registry", p2p));
            }
        }
        return List.copyOf(out.values());
    }

    private Entry start(SpawnRequest request, boolean wantWhole) {
        if (request.task().isEmpty()) {
            throw new IllegalArgumentException("task is required");
        }
        if (request.task().length() > MAX_TASK_CHARS) {
            throw new IllegalArgumentException("task has " + request.task().length() + " characters; the limit is "
                    + MAX_TASK_CHARS);
        }
        if (request.agentId().isEmpty()) {
            throw new IllegalArgumentException("agent_id is required");
        }
        Target target = resolve(request.agentId());
        if (!running.tryAcquire()) {
            throw new IllegalStateException("too many running tasks; try again later");
        }
        Instant now = clock.instant();
        String id = "subagent-" + seq.incrementAndGet();
        SubagentTask task = new SubagentTask(id, request.task(), request.label(), request.agentId(),
                target.local == null ? "node" : "local", target.nodeId, SubagentTask.RUNNING, null, null, null, null,
                null, 0, now, now);
        Entry e = new Entry(task);
        if (wantWhole) {
            e.whole = new CompletableFuture<>(); // before the task can end
        }
        tasks.put(id, e);
        evict();
        if (target.local != null) {
            runLocal(e, target.local, request); // the slot is released when the handler's thread is done with it
        } else {
            e.done.whenComplete((t, x) -> running.release());
            runNode(e, target, request, 0);
        }
        return e;
    }

    private record Target(LocalAgent local, String nodeId, String remoteAgent) {
    }

    private Target resolve(String agentId) {
        LocalAgent local = localAgents.get(agentId);
        if (local != null) {
            return new Target(local, null, null);
        }
        if (agentId.startsWith(NODE_PREFIX)) {
            String rest = agentId.substring(NODE_PREFIX.length());
            int dot = rest.lastIndexOf('.');
            String nodeId = dot > 0 ? rest.substring(0, dot) : rest;
            String remote = dot > 0 ? rest.substring(dot + 1) : "main";
            if (registry.get(nodeId).isEmpty()) {
                throw new IllegalArgumentException("unknown agent '" + agentId + "': node " + nodeId
                        + " is not registered");
            }
            return new Target(null, nodeId, remote.isEmpty() ? "main" : remote);
        }
        List<String> known = new ArrayList<>(localAgents.keySet());
        known.add("node.<node-id>.main");
        throw new IllegalArgumentException("unknown agent '" + agentId + "' (known: " + String.join(", ", known) + ")");
    }

    /**
     * Runs a local agent's handler on {@code clawgo-agent-*}. At the timeout the task fails (the thread is not
     * interrupted: {@link io.clawgo.subagent.AgentHandler}'s contract); the running slot is released only when the
     * handler returns, so a handler that never does keeps its slot and at most {@code maxRunning} handler threads
     * ever exist.
     */
    private void runLocal(Entry e, LocalAgent agent, SpawnRequest request) {
        try {
            localExecutor.execute(() -> {
                try {
                    String out = agent.handler().run(e.task);
                    finish(e, SubagentTask.COMPLETED, out == null ? "" : out, null, null, null, null, 0);
                } catch (Exception | Error ex) {
                    // an Error too: the task must end
                    String msg = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
                    finish(e, SubagentTask.FAILED, null, msg, ErrorCodes.REMOTE_ERROR, null, null, 0);
                } finally {
                    running.release();
                }
            });
        } catch (RejectedExecutionException ex) {
            running.release();
            finish(e, SubagentTask.FAILED, null, "the gateway is shutting down", ErrorCodes.TRANSPORT_ERROR, null,
                    null, 0);
            return;
        }
        ScheduledFuture<?> timer;
        try {
            timer = scheduler.schedule(() -> {
                finish(e, SubagentTask.FAILED, null, "agent " + agent.id() + " did not finish within "
                        + request.timeout().toSeconds() + " s", ErrorCodes.TIMEOUT, null, null, 0);
            }, request.timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException ex) {
            return; // shutting down: close() interrupts the handler
        }
        e.done.whenComplete((t, x) -> timer.cancel(false));
    }

    private void runNode(Entry e, Target target, SpawnRequest request, int attempt) {
        Map<String, Object> args = new LinkedHashMap<>();
        args.put("remote_agent_id", target.remoteAgent);
        Request req = new Request("agent_task", target.nodeId, request.task(), null, args, request.traceparent());
        dispatcher.dispatch(req, DispatchMode.AUTO, request.timeout()).thenAccept(r -> {
            String used = r.payloadString("used_transport");
            String fallback = r.payloadString("fallback_from");
            if (r.ok()) {
                finish(e, SubagentTask.COMPLETED, resultText(r), null, null, used, fallback, attempt);
            } else if (attempt < request.maxRetries() && RETRYABLE.contains(r.code())) {
                LOG.info("task {} attempt {} failed ({}); retrying", e.task.id(), attempt + 1, r.code());
                try {
                    scheduler.schedule(() -> runNode(e, target, request, attempt + 1),
                            RETRY_BACKOFF.toMillis() * (attempt + 1), TimeUnit.MILLISECONDS);
                } catch (RejectedExecutionException closing) {
                    finish(e, SubagentTask.FAILED, null, "the gateway closed before a retry", r.code(), used,
                            fallback, attempt);
                }
            } else {
                String err = r.error() == null || r.error().isBlank()
                        ? "node " + target.nodeId + " agent_task failed" : r.error();
                finish(e, SubagentTask.FAILED, null, err, r.code(), used, fallback, attempt);
            }
        });
    }

    /** The node payload's {@code result}, else {@code content}, else the payload as JSON. */
    static String resultText(Response r) {
        for (String key : List.of("result", "content")) {
            Object v = r.payload().get(key);
            if (v instanceof String s && !s.isBlank()) {
                return s.trim();
            }
            if (v != null && !(v instanceof String)) {
                return WireCodec.get().toJson(v);
            }
        }
        Map<String, Object> rest = new LinkedHashMap<>(r.payload());
        rest.keySet().removeAll(Set.of("dispatch_mode", "used_transport", "fallback_from"));
        return rest.isEmpty() ? "node " + r.node() + " completed " + r.action() : WireCodec.get().toJson(rest);
    }

    private SubagentTask finish(Entry e, String status, String result, String error, String code, String used,
                                String fallback, int retries) {
        SubagentTask whole;
        synchronized (e) {
            if (e.task.isDone()) {
                return e.task;
            }
            SubagentTask t = e.task;
            whole = new SubagentTask(t.id(), t.task(), t.label(), t.agentId(), t.transport(), t.nodeId(), status,
                    result, error, code, used, fallback, retries, t.created(), clock.instant());
            // what a node sent is kept bounded: in the records (list, get), in the audit and in any log
            e.task = new SubagentTask(t.id(), t.task(), t.label(), t.agentId(), t.transport(), t.nodeId(), status,
                    Clipped.text(result, maxStoredChars), Clipped.text(error, maxStoredChars),
                    Clipped.text(code, Clipped.CODE_CHARS), used, fallback, retries, t.created(), whole.updated());
        }
        SubagentTask done = e.task;
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("time", done.updated().toString());
        row.put("event", "task_" + done.status());
        row.put("task", done); // written by the codec as the REST API shows it (empty fields left out)
        audit.append(row);
        CompletableFuture<SubagentTask> waiter = e.whole;
        if (waiter != null) {
            waiter.complete(whole);
        }
        e.done.complete(done);
        return done;
    }

    private void evict() {
        int excess = tasks.size() - maxTasks;
        if (excess <= 0) {
            return;
        }
        tasks.values().stream()
                .filter(x -> x.task.isDone())
                .sorted(Comparator.comparing(x -> x.task.updated()))
                .limit(excess)
                .map(x -> x.task.id())
                .toList()
                .forEach(tasks::remove);
    }

    @Override
    public void close() {
        localExecutor.shutdownNow();
        // nothing will finish them now: callers waiting in dispatch_and_wait get an answer instead of their timeout
        for (Entry e : tasks.values()) {
            finish(e, SubagentTask.FAILED, null, "the gateway closed", ErrorCodes.TRANSPORT_ERROR, null, null, 0);
        }
    }
}
