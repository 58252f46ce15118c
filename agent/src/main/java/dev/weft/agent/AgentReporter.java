package dev.weft.agent;

/**
 * Where the agent's reports go (see {@link AgentOptions}): stderr by default, {@link System.Logger}
 * {@code "dev.weft.agent"} under {@code logger}, nowhere under {@code quiet}. Each report goes to exactly one of
 * them.
 */
final class AgentReporter {
    private final AgentOptions options;
    /** Looked up at the first report, never at start-up: the application's logging is not initialised early. */
    private volatile System.Logger logger;

    AgentReporter(AgentOptions options) {
        this.options = options;
    }

    /** A refusal, or a class that runs untransformed; {@code cause} only for an internal error. */
    void warning(String line, Throwable cause) {
        report(System.Logger.Level.WARNING, line, cause);
    }

    /** What {@code verbose} asks for. */
    void info(String line) {
        if (options.verbose()) {
            report(System.Logger.Level.INFO, line, null);
        }
    }

    private void report(System.Logger.Level level, String line, Throwable cause) {
        if (options.quiet()) {
            return;
        }
        if (options.logger()) {
            try {
                logger().log(level, line, cause);
                return;
            } catch (RuntimeException | LinkageError e) {
                // a logging backend that fails: the report still reaches stderr below
            }
        }
        System.err.println(line);
    }

    private System.Logger logger() {
        System.Logger l = logger;
        if (l == null) {
            l = System.getLogger("dev.weft.agent");
            logger = l;
        }
        return l;
    }
}
