package io.satlake.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Follows a driver submitted in standalone cluster mode until it ends, and exits with its real
 * result: spark-submit itself returns 0 once the master accepted the driver, even if the driver
 * fails later. The state comes from the master's {@code /json/}; on failure the tail of the
 * driver's stderr (from its worker's {@code /log}) is shown and the job's own exit code read
 * from it (the line {@link io.satlake.SatisfactionJob} prints in cluster mode).
 * Used by {@code scripts/satlake submit}: {@code StandaloneDriverWatch MASTER_WEB_UI DRIVER_ID}.
 */
public final class StandaloneDriverWatch {
  /** The line a failing job prints last on stderr in cluster mode; carries its exit code. */
  public static final String EXIT_CODE_LINE = "satlake: exit code ";
  private static final Pattern EXIT_CODE = Pattern.compile("^" + Pattern.quote(EXIT_CODE_LINE) + "(\\d+)$",
      Pattern.MULTILINE);
  private static final Duration POLL = Duration.ofSeconds(2);
  private static final int STDERR_TAIL_LINES = 25;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
      .followRedirects(HttpClient.Redirect.NORMAL).build();
  private final ObjectMapper json = new ObjectMapper();
  private final String masterWebUi;
  private final PrintStream err;

  StandaloneDriverWatch(String masterWebUi, PrintStream err) {
    this.masterWebUi = masterWebUi.replaceAll("/+$", "");
    this.err = err;
  }

  public static void main(String[] args) throws InterruptedException {
    if (args.length != 2) {
      System.err.println("usage: StandaloneDriverWatch MASTER_WEB_UI DRIVER_ID");
      System.exit(2);
    }
    System.exit(new StandaloneDriverWatch(args[0], System.err).await(args[1]));
  }

  /** Polls until the driver completes; returns the exit code to report. */
  int await(String driverId) throws InterruptedException {
    String lastState = null;
    int unreachable = 0;
    while (true) {
      JsonNode master;
      try {
        master = get(masterWebUi + "/json/");
        unreachable = 0;
      } catch (IOException e) {
        if (++unreachable >= 15) { // 30 s: the master is gone, the result is unknown
          err.println("satlake submit: master web UI " + masterWebUi + " unreachable: " + e.getMessage());
          return 1;
        }
        Thread.sleep(POLL.toMillis());
        continue;
      }
      Optional<JsonNode> completed = find(master.path("completeddrivers"), driverId);
      JsonNode driver = completed.or(() -> find(master.path("activedrivers"), driverId)).orElse(null);
      if (driver == null) {
        err.println("satlake submit: the master at " + masterWebUi + " does not know " + driverId);
        return 1;
      }
      String state = driver.path("state").asText();
      if (!state.equals(lastState)) {
        err.println("satlake submit: " + driverId + " " + state);
        lastState = state;
      }
      if (completed.isPresent()) {
        return state.equals("FINISHED") ? 0 : failure(master, driver);
      }
      Thread.sleep(POLL.toMillis());
    }
  }

  /** FAILED, ERROR or KILLED: shows the driver's last stderr lines; the job's exit code if it printed one. */
  private int failure(JsonNode master, JsonNode driver) {
    String stderr = driverStderr(master, driver);
    if (stderr.isEmpty()) {
      return 1;
    }
    List<String> lines = stderr.lines() // without the worker's headers (log range, launch command)
        .filter(l -> !l.startsWith("==== Bytes ") && !l.startsWith("Launch Command: ")).toList();
    err.println("satlake submit: last lines of the driver's stderr:");
    lines.subList(Math.max(0, lines.size() - STDERR_TAIL_LINES), lines.size()).forEach(l -> err.println("  " + l));
    return exitCode(stderr);
  }

  /** The exit code a failing satlake driver printed last, else 1 (it died without saying). */
  static int exitCode(String driverStderr) {
    Matcher m = EXIT_CODE.matcher(driverStderr);
    int code = 1;
    while (m.find()) {
      code = Integer.parseInt(m.group(1));
    }
    return code == 0 ? 1 : code;
  }

  private String driverStderr(JsonNode master, JsonNode driver) {
    String workerId = driver.path("worker").asText();
    for (JsonNode worker : master.path("workers")) {
      if (worker.path("id").asText().equals(workerId)) {
        String url = worker.path("webuiaddress").asText().replaceAll("/+$", "") + "/log/?logType=stderr&byteLength=65536"
            + "&driverId=" + URLEncoder.encode(driver.path("id").asText(), StandardCharsets.UTF_8);
        try {
          return text(url);
        } catch (IOException | InterruptedException e) {
          err.println("satlake submit: could not read the driver's stderr from " + url + ": " + e.getMessage());
        }
      }
    }
    return "";
  }

  private static Optional<JsonNode> find(JsonNode drivers, String id) {
    for (JsonNode d : drivers) {
      if (d.path("id").asText().equals(id)) {
        return Optional.of(d);
      }
    }
    return Optional.empty();
  }

  private JsonNode get(String url) throws IOException, InterruptedException {
    return json.readTree(text(url));
  }

  private String text(String url) throws IOException, InterruptedException {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    if (response.statusCode() != 200) {
      throw new IOException("HTTP " + response.statusCode() + " from " + url);
    }
    return response.body();
  }
}
