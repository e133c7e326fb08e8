package io.clawgo.protocol;

import java.util.Locale;

/**
 * What a node can do. Always serialised in full (every flag present), as the original protocol does.
 *
 * <p>{@code invoke} is also the capability for any action that has no flag of its own.
 *
 * @param run      may run {@code run}
 * @param invoke   may run {@code invoke} and every action without a flag of its own
 * @param model    may run {@code agent_task}
 * @param camera   may run {@code camera_snap} and {@code camera_clip}
 * @param screen   may run {@code screen_record} and {@code screen_snapshot}
 * @param location may run {@code location_get}
 * @param canvas   may run {@code canvas_snapshot} and {@code canvas_action}
 */
public record Capabilities(
        boolean run, boolean invoke, boolean model, boolean camera, boolean screen, boolean location, boolean canvas) {

    /** No capability at all. */
    public static final Capabilities NONE = new Capabilities(false, false, false, false, false, false, false);

    /** The node CLI's default: {@code run, invoke, model}. */
    public static final Capabilities DEFAULT = new Capabilities(true, true, true, false, false, false, false);

    /** Every capability. */
    public static final Capabilities ALL = new Capabilities(true, true, true, true, true, true, true);

    /**
     * Parses a comma-separated list such as {@code "run,invoke,model"} (case-insensitive, blanks around tokens and
     * empty tokens ignored; {@code agent_task} is an alias of {@code model}).
     *
     * @param csv the list; {@code null} or empty means no capability at all
     * @return capabilities with exactly the named flags set
     * @throws IllegalArgumentException naming the first unknown token
     */
    public static Capabilities parse(String csv) {
        boolean run = false, invoke = false, model = false, camera = false, screen = false, location = false,
                canvas = false;
        if (csv != null) {
            for (String raw : csv.split(",")) {
                String token = raw.trim().toLowerCase(Locale.ROOT);
                switch (token) {
                    case "" -> { }
                    case "run" -> run = true;
                    case "invoke" -> invoke = true;
                    case "model", "agent_task" -> model = true;
                    case "camera" -> camera = true;
                    case "screen" -> screen = true;
                    case "location" -> location = true;
                    case "canvas" -> canvas = true;
                    default -> throw new IllegalArgumentException("unknown capability '" + raw.trim()
                            + "' (known: run, invoke, model, camera, screen, location, canvas)");
                }
            }
        }
        return new Capabilities(run, invoke, model, camera, screen, location, canvas);
    }

    /**
     * Whether these capabilities cover {@code action}, with the mapping of the original's capability check:
     * {@code run} needs {@code run}, {@code agent_task} needs {@code model}, {@code camera_snap} and
     * {@code camera_clip} need {@code camera}, {@code screen_record} and {@code screen_snapshot} need {@code screen},
     * {@code location_get} needs {@code location}, {@code canvas_snapshot} and {@code canvas_action} need
     * {@code canvas}, and any other action needs {@code invoke}.
     *
     * @param action the action, trimmed and compared case-insensitively; {@code null} counts as an unknown action
     * @return {@code true} when the matching flag is set
     */
    public boolean supports(String action) {
        String a = action == null ? "" : action.trim().toLowerCase(Locale.ROOT);
        return switch (a) {
            case "run" -> run;
            case "agent_task" -> model;
            case "camera_snap", "camera_clip" -> camera;
            case "screen_record", "screen_snapshot" -> screen;
            case "location_get" -> location;
            case "canvas_snapshot", "canvas_action" -> canvas;
            default -> invoke;
        };
    }
}
