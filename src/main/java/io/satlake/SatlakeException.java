package io.satlake;

/**
 * A failure the user can act on: bad usage, bad configuration or bad input. The command line
 * prints its message (no stack trace) and exits with {@link #exitCode()}.
 */
public final class SatlakeException extends RuntimeException {

  /** Process exit codes; part of the contract with orchestrators. */
  public enum ExitCode {
    OK(0), RUN_FAILED(1), USAGE_OR_CONFIG(2), BAD_INPUT(3),
    /** The run succeeded, but a critical alert fired and alerts.exit-on-critical is set. */
    CRITICAL_ALERT(4);

    public final int code;

    ExitCode(int code) {
      this.code = code;
    }
  }

  private final ExitCode exitCode;

  public SatlakeException(ExitCode exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  public static SatlakeException usage(String message) {
    return new SatlakeException(ExitCode.USAGE_OR_CONFIG, message);
  }

  public static SatlakeException badInput(String message) {
    return new SatlakeException(ExitCode.BAD_INPUT, message);
  }

  /**
   * The first line of the innermost cause's message, else that cause itself: Spark wraps the error
   * a user can act on ("Job aborted due to stage failure: ..." with a task's stack trace around
   * raise_error's text; an upgrade notice around java.time's reason for refusing a pattern).
   */
  public static String innermostMessage(Throwable e) {
    Throwable reason = e;
    while (reason.getCause() != null && reason.getCause() != reason) {
      reason = reason.getCause();
    }
    String message = reason.getMessage();
    return message == null || message.isBlank() ? reason.toString() : message.lines().findFirst().orElse("").strip();
  }

  public ExitCode exitCode() {
    return exitCode;
  }
}
