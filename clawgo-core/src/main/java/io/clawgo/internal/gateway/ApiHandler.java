package io.clawgo.internal.gateway;

import io.clawgo.internal.registry.NodeLimitException;
import io.clawgo.internal.registry.NodeRegistry;
import io.clawgo.protocol.DispatchMode;
import io.clawgo.internal.registry.RegistrationRefusedException;
import io.clawgo.internal.transport.NodeDispatcher;
import io.clawgo.protocol.ErrorCodes;
import io.clawgo.protocol.NodeInfo;
import io.clawgo.protocol.ProtocolException;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.protocol.WireCodec;
import io.clawgo.subagent.DispatchResult;
import io.clawgo.subagent.SpawnRequest;
import io.clawgo.subagent.SubagentRuntime;
import io.clawgo.subagent.SubagentTask;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.util.Fields;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST routes of the gateway and the static web UI. Every error is a JSON body {@code {ok:false, code, error}} with
 * a 4xx status (503 at a capacity limit); no stack trace ever reaches the caller.
 */
final class ApiHandler extends Handler.Abstract {
    private static final Logger LOG = LoggerFactory.getLogger(ApiHandler.class);
    private static final long MAX_WAIT_SEC = 3600;
    /** The Prometheus text exposition format, version 0.0.4. */
    static final String METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    /** dispatch_and_wait calls that may wait at once (each holds one of the 200 server threads). */
    static final int MAX_WAITING = 100;
    private final java.util.concurrent.Semaphore waiting = new java.util.concurrent.Semaphore(MAX_WAITING);

    private final NodeRegistry registry;
    private final NodeDispatcher dispatcher;
    private final SubagentRuntime subagents;
    private final NodesView view;
    private final int maxBodyBytes;
    private final HttpIo.BodyLimits bodyLimits;
    private final java.util.function.Supplier<Map<String, Object>> readiness;
    /** The text of {@code GET /metrics}, or {@code null} when metrics are off (then {@code /metrics} is a 404). */
    private final java.util.function.Supplier<String> metricsText;
    private final EventStreams streams;

    /**
     * @param readiness   what {@code GET /ready} answers; its {@code ready} entry decides 200 or 503
     * @param metricsText what {@code GET /metrics} serves (Prometheus text format), or {@code null} for no route
     * @param streams     the web UI's event streams ({@code GET /webui/api/events})
     */
    ApiHandler(NodeRegistry registry, NodeDispatcher dispatcher, SubagentRuntime subagents, NodesView view,
               HttpIo.BodyLimits bodyLimits, java.util.function.Supplier<Map<String, Object>> readiness,
               java.util.function.Supplier<String> metricsText, EventStreams streams) {
        this.readiness = readiness;
        this.metricsText = metricsText;
        this.streams = streams;
        this.registry = registry;
        this.dispatcher = dispatcher;
        this.subagents = subagents;
        this.view = view;
        this.maxBodyBytes = bodyLimits.maxBytes();
        this.bodyLimits = bodyLimits;
    }

    @Override
    public boolean handle(org.eclipse.jetty.server.Request request, org.eclipse.jetty.server.Response response,
                          org.eclipse.jetty.util.Callback callback) {
        String path = org.eclipse.jetty.server.Request.getPathInContext(request);
        String method = request.getMethod();
        try {
            switch (path) {
                case "/health" -> HttpIo.text(response, callback, 200, "text/plain; charset=utf-8", "ok\n");
                case "/ready" -> get(method, () -> {
                    Map<String, Object> r = readiness.get();
                    HttpIo.json(response, callback, Boolean.TRUE.equals(r.get("ready")) ? 200 : 503, r);
                }, response, callback);
                case AuthHandler.METRICS_PATH -> {
                    if (metricsText == null) {
                        HttpIo.error(response, callback, 404, "not_found", "metrics are off (gateway.metrics.enabled)");
                    } else {
                        get(method, () -> HttpIo.text(response, callback, 200, METRICS_CONTENT_TYPE,
                                metricsText.get()), response, callback);
                    }
                }
                case "/nodes/register" -> post(method, () -> register(request, response, callback), response, callback);
                case "/nodes/heartbeat" -> post(method, () -> heartbeat(request, response, callback), response, callback);
                case "/nodes/connect" -> HttpIo.error(response, callback, 400, ErrorCodes.INVALID_REQUEST,
                        "/nodes/connect is a WebSocket endpoint: send a GET with the WebSocket upgrade headers");
                case "/webui/api/version" -> get(method, () -> HttpIo.json(response, callback, 200, view.version()),
                        response, callback);
                case "/webui/api/nodes" -> nodes(method, request, response, callback);
                case "/webui/api/events" -> {
                    if (!"GET".equals(method)) {
                        methodNotAllowed(response, callback, "GET");
                    } else {
                        streams.open(request, response, callback);
                    }
                }
                case "/webui/api/node_dispatches" -> get(method, () -> dispatches(request, response, callback),
                        response, callback);
                case "/webui/api/node_dispatches/replay" -> post(method, () -> replay(request, response, callback),
                        response, callback);
                case "/webui/api/subagents_runtime" -> subagentsRuntime(method, request, response, callback);
                default -> {
                    if (path.startsWith("/webui/api/") || path.startsWith("/nodes/")) {
                        HttpIo.error(response, callback, 404, "not_found", "no route " + path);
                    } else if (!StaticAssets.serve(path, method, response, callback)) {
                        HttpIo.error(response, callback, 404, "not_found", "not found: " + path);
                    }
                }
            }
        } catch (ProtocolException e) {
            HttpIo.error(response, callback, HttpIo.statusFor(e.code()), e.code(), e.getMessage());
        } catch (IllegalArgumentException e) {
            HttpIo.error(response, callback, 400, ErrorCodes.INVALID_REQUEST, e.getMessage());
        } catch (IllegalStateException e) {
            HttpIo.error(response, callback, 503, "unavailable", e.getMessage());
        } catch (IOException e) {
            HttpIo.error(response, callback, 400, ErrorCodes.INVALID_REQUEST, "reading the request failed: " + e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("internal error on {} {}", method, path, e);
            HttpIo.error(response, callback, 500, "internal_error", "internal error: " + e.getClass().getSimpleName());
        }
        return true;
    }

    @FunctionalInterface
    private interface Route {
        void run() throws ProtocolException, IOException;
    }

    private static void post(String method, Route route, org.eclipse.jetty.server.Response response,
                             org.eclipse.jetty.util.Callback callback) throws ProtocolException, IOException {
        if (!"POST".equals(method)) {
            methodNotAllowed(response, callback, "POST");
            return;
        }
        route.run();
    }

    private static void get(String method, Route route, org.eclipse.jetty.server.Response response,
                            org.eclipse.jetty.util.Callback callback) throws ProtocolException, IOException {
        if (!"GET".equals(method) && !"HEAD".equals(method)) {
            methodNotAllowed(response, callback, "GET");
            return;
        }
        route.run();
    }

    private static void methodNotAllowed(org.eclipse.jetty.server.Response response,
                                         org.eclipse.jetty.util.Callback callback, String allowed) {
        response.getHeaders().put(HttpHeader.ALLOW, allowed);
        HttpIo.error(response, callback, 405, "method_not_allowed", "method not allowed; use " + allowed);
    }

    private Map<String, Object> bodyMap(org.eclipse.jetty.server.Request request) throws ProtocolException, IOException {
        return WireCodec.get().decodeMap(jsonBody(request), maxBodyBytes);
    }

    /** The body of a JSON POST: declared {@code application/json} (else 415), within the size and rate limits. */
    private String jsonBody(org.eclipse.jetty.server.Request request) throws ProtocolException, IOException {
        HttpIo.requireJson(request);
        return HttpIo.body(request, bodyLimits);
    }

    private void register(org.eclipse.jetty.server.Request request, org.eclipse.jetty.server.Response response,
                          org.eclipse.jetty.util.Callback callback) throws ProtocolException, IOException {
        NodeInfo node = WireCodec.get().decode(jsonBody(request), NodeInfo.class, maxBodyBytes);
        if (node.id() == null || node.id().isBlank()) {
            throw new ProtocolException(ErrorCodes.INVALID_REQUEST, "id required");
        }
        if (!mayActAs(request, node.id().trim(), response, callback)) {
            return;
        }
        NodeInfo stored;
        try {
            stored = registry.upsert(node, AuthHandler.nodePrincipal(request));
        } catch (RegistrationRefusedException e) {
            if (e.retryAfterSeconds() > 0) {
                response.getHeaders().put(HttpHeader.RETRY_AFTER, Long.toString(e.retryAfterSeconds()));
            }
            HttpIo.error(response, callback, e.httpStatus(), e.code(), e.getMessage());
            return;
        } catch (NodeLimitException e) {
            // 503: the gateway is at capacity, not this client too fast (429); the node retries with its backoff
            HttpIo.error(response, callback, 503, e.code(), e.getMessage());
            return;
        }
        HttpIo.json(response, callback, 200, Map.of("ok", true, "id", stored.id()));
    }

    /** A request authenticated with a per-node token may act only as that node. */
    private static boolean mayActAs(org.eclipse.jetty.server.Request request, String id,
                                    org.eclipse.jetty.server.Response response, org.eclipse.jetty.util.Callback callback) {
        String principal = AuthHandler.nodePrincipal(request);
        if (principal != null && !principal.equals(id)) {
            HttpIo.error(response, callback, 403, "forbidden", "this token belongs to node " + principal
                    + "; it cannot act as node " + id);
            return false;
        }
        return true;
    }

    private void heartbeat(org.eclipse.jetty.server.Request request, org.eclipse.jetty.server.Response response,
                           org.eclipse.jetty.util.Callback callback) throws ProtocolException, IOException {
        String id = new Args(bodyMap(request)).requiredString("id");
        if (!mayActAs(request, id, response, callback)) {
            return;
        }
        try {
            registry.checkPrincipal(id, AuthHandler.nodePrincipal(request));
        } catch (RegistrationRefusedException e) {
            HttpIo.error(response, callback, e.httpStatus(), e.code(), e.getMessage());
            return;
        }
        if (registry.heartbeat(id).isEmpty()) {
            HttpIo.error(response, callback, 404, ErrorCodes.NODE_NOT_FOUND, "node " + id + " not found");
            return;
        }
        HttpIo.json(response, callback, 200, Map.of("ok", true, "id", id));
    }

    private void nodes(String method, org.eclipse.jetty.server.Request request,
                       org.eclipse.jetty.server.Response response, org.eclipse.jetty.util.Callback callback)
            throws ProtocolException, IOException {
        if ("GET".equals(method) || "HEAD".equals(method)) {
            NodesQuery query = NodesQuery.parse(org.eclipse.jetty.server.Request.extractQueryParameters(request));
            HttpIo.json(response, callback, 200, view.payload(query));
            return;
        }
        if (!"POST".equals(method)) {
            methodNotAllowed(response, callback, "GET, POST");
            return;
        }
        Args args = new Args(bodyMap(request));
        String action = args.requiredString("action");
        if (!action.equalsIgnoreCase("delete")) {
            throw new ProtocolException(ErrorCodes.INVALID_REQUEST, "unsupported action: " + action + " (supported: delete)");
        }
        String id = args.requiredString("id");
        boolean deleted = registry.remove(id);
        HttpIo.json(response, callback, 200, Map.of("ok", true, "id", id, "deleted", deleted));
    }

    private void dispatches(org.eclipse.jetty.server.Request request, org.eclipse.jetty.server.Response response,
                            org.eclipse.jetty.util.Callback callback) throws ProtocolException {
        Fields query = org.eclipse.jetty.server.Request.extractQueryParameters(request);
        Map<String, Object> q = new HashMap<>();
        if (query.getValue("limit") != null) {
            q.put("limit", query.getValue("limit"));
        }
        int limit = (int) new Args(q).positive("limit", 50, 500);
        String node = query.getValue("node");
        HttpIo.json(response, callback, 200, Map.of("ok", true, "items", dispatcher.recent(limit, node)));
    }

    private void replay(org.eclipse.jetty.server.Request request, org.eclipse.jetty.server.Response response,
                        org.eclipse.jetty.util.Callback callback) throws ProtocolException, IOException {
        Args args = new Args(bodyMap(request));
        String node = args.requiredString("node");
        String action = args.requiredString("action");
        DispatchMode mode = DispatchMode.parse(args.string("mode"));
        long timeoutSec = args.positive("timeout_sec", 60, MAX_WAIT_SEC);
        Request req = new Request(action, node, args.string("task"), args.string("model"), args.object("args"),
                HttpIo.traceparent(request));
        // asynchronous: no server thread waits for the node (those threads also read the control sockets)
        dispatcher.dispatch(req, mode, Duration.ofSeconds(timeoutSec)).whenComplete((r, e) -> {
            if (e != null) {
                HttpIo.error(response, callback, 500, "internal_error", "dispatch failed: " + e.getClass().getSimpleName());
            } else {
                HttpIo.json(response, callback, 200, Map.of("ok", true, "result", r));
            }
        });
    }

    private void subagentsRuntime(String method, org.eclipse.jetty.server.Request request,
                                  org.eclipse.jetty.server.Response response, org.eclipse.jetty.util.Callback callback)
            throws ProtocolException, IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        if ("POST".equals(method)) {
            body.putAll(bodyMap(request));
        } else if ("GET".equals(method)) {
            Fields query = org.eclipse.jetty.server.Request.extractQueryParameters(request);
            for (Fields.Field f : query) {
                body.put(f.getName(), f.getValue());
            }
        } else {
            methodNotAllowed(response, callback, "GET, POST");
            return;
        }
        Args args = new Args(body);
        String action = args.string("action");
        action = action == null || action.isEmpty() ? "list" : action.toLowerCase(java.util.Locale.ROOT);
        Object result = switch (action) {
            case "list" -> Map.of("items", subagents.list().stream()
                    .limit(args.positive("limit", Integer.MAX_VALUE, Integer.MAX_VALUE)).toList());
            case "get", "info" -> {
                String id = args.requiredString("id");
                yield subagents.get(id).<Map<String, Object>>map(t -> Map.of("found", true, "task", t))
                        .orElse(Map.of("found", false));
            }
            case "registry" -> Map.of("items", subagents.registry());
            case "spawn", "create" -> {
                if (!"POST".equals(method)) {
                    throw new ProtocolException(ErrorCodes.INVALID_REQUEST, "spawn needs POST");
                }
                SubagentTask t = subagents.spawn(spawnRequest(args, request));
                yield Map.of("task", t, "message", "Spawned subagent for task: " + t.task() + " (agent=" + t.agentId() + ")");
            }
            case "dispatch_and_wait" -> {
                if (!"POST".equals(method)) {
                    throw new ProtocolException(ErrorCodes.INVALID_REQUEST, "dispatch_and_wait needs POST");
                }
                long wait = args.positive("wait_timeout_sec", 120, MAX_WAIT_SEC);
                SpawnRequest spawn = spawnRequest(args, request);
                // each call holds a server thread while it waits: bound them so control sockets keep being served
                if (!waiting.tryAcquire()) {
                    throw new IllegalStateException("too many dispatch_and_wait calls are waiting (" + MAX_WAITING
                            + "); use spawn and get, or retry later"); // answered 503
                }
                DispatchResult r;
                try {
                    r = subagents.dispatchAndWait(spawn, Duration.ofSeconds(wait));
                } finally {
                    waiting.release();
                }
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("task", r.task());
                m.put("reply", r.reply());
                m.put("merged", r.merged());
                yield m;
            }
            default -> throw new ProtocolException(ErrorCodes.INVALID_REQUEST, "unsupported action: " + action
                    + " (supported: list, get, spawn, dispatch_and_wait, registry)");
        };
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("ok", true);
        out.put("result", result);
        HttpIo.json(response, callback, 200, out);
    }

    /** The spawn a call asks for, with the call's {@code traceparent} header (dropped when invalid). */
    private static SpawnRequest spawnRequest(Args args, org.eclipse.jetty.server.Request request)
            throws ProtocolException {
        String agent = args.requiredString("agent_id");
        String task = args.requiredString("task");
        long timeout = args.positive("timeout_sec", SpawnRequest.DEFAULT_TIMEOUT.toSeconds(), MAX_WAIT_SEC);
        int retries = args.nonNegative("max_retries", 0, 8);
        return new SpawnRequest(agent, task, args.string("label"), Duration.ofSeconds(timeout), retries,
                HttpIo.traceparent(request));
    }

}
