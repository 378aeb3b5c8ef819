package io.satlake;

import io.satlake.cli.Arguments;
import io.satlake.cli.SqlOutput;
import io.satlake.config.Settings;
import io.satlake.config.SettingsLoader;
import io.satlake.io.DeltaSink;
import io.satlake.io.OutputTables;
import io.satlake.io.SparkSessions;
import io.satlake.io.Sources;
import io.satlake.report.RunLog;
import io.satlake.report.RunResult;
import io.satlake.report.RunSummary;
import io.satlake.report.StageClock;
import io.satlake.sample.SampleDataGenerator;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Entry point, locally (scripts/satlake) and on a cluster (spark-submit --class
 * io.satlake.SatisfactionJob satlake.jar run --run-date D ...). Commands: run, demo, generate, sql, bench.
 */
public final class SatisfactionJob {
  /** Where the demo writes its sample input and the run date that covers all of it. */
  static final String DEMO_DATA = "target/sample-data";
  static final LocalDate DEMO_RUN_DATE = LocalDate.of(2025, 12, 31);
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger("satlake");

  private static final String USAGE = """
      usage: satlake <command> [options]        (satlake <command> --help for its options)

      commands:
        run       run the nightly job for a run date
        backfill  run the job for every date of a range, in order, resumable
        demo      generate sample data (if absent) and run the job on it, then print a summary
        generate  write deterministic sample input data (responses and CRM)
        sql       query the tables in the warehouse
        bench     time the full job on Parquet input (wall, stages, rows/s per core, peak memory)

      launcher only (scripts/satlake, see README): submit (spark-submit to a cluster),
        local-cluster start|stop|status, metastore start|stop|status (the shared metastore for
        job + BI), serve-bi (the Spark Thrift server, JDBC for BI tools, on 127.0.0.1:10000)

      exit codes: 0 ok, 1 the run failed, 2 bad usage or configuration, 3 bad input,
                  4 a critical alert fired (only with alerts.exit-on-critical = true)
      """;

  private static final String BACKFILL_HELP = """
      usage: satlake backfill --from YYYY-MM-DD --to YYYY-MM-DD [--rerun-succeeded] [--config FILE] [--set key=value ...]

      Runs the job for every date from --from to --to (both inclusive), oldest first, in one
      Spark session, exactly as `run` would for each date. Resumable: a date whose latest run in
      run_log succeeded is skipped, so after a failure the same command continues where it
      stopped. Stops at the first failing date with that run's exit code.

        --from D            first run date (required)
        --to D              last run date (required, not before --from)
        --rerun-succeeded   run every date, also those that already succeeded (e.g. after a
                            configuration change)
        --config FILE       HOCON file overriding reference.conf
        --set key=value     override one key
      """;

  private static final String RUN_HELP = """
      usage: satlake run --run-date YYYY-MM-DD [--config FILE] [--set key=value ...]

      Validates the inputs, joins the CRM, computes segment scores, driver correlations, trends,
      targets, benchmarks and alerts for the analysis window ending at the run date, and replaces
      that run date's rows in the Delta tables (a rerun never duplicates). Prints a summary. Exits
      with 4 after a successful run when a critical alert fired and alerts.exit-on-critical = true.

        --run-date D     the date the run is for (required); the window is relative to it
        --config FILE    HOCON file overriding reference.conf (keys: see README, Configuration)
        --set key=value  override one key, e.g. --set min-n=50 or --set satlake.window.mode=trailing
      """;

  private static final String DEMO_HELP = """
      usage: satlake demo [--run-date YYYY-MM-DD] [--responses N] [--customers M] [--config FILE] [--set key=value ...]

      Generates CSV sample data into target/sample-data (only if it is not there yet), runs the
      job on it and prints a summary. The inputs are always that sample; every other key comes
      from the config as for `run` (warehouse, database, window, ...).

        --run-date D     the run date (default 2025-12-31, the end of the sample)
        --responses N    sample size when generating (default 20000; ignored once the sample exists)
        --customers M    CRM size when generating (default 2000; ignored once the sample exists)
        --config FILE    HOCON file overriding reference.conf
        --set key=value  override one key
      """;

  private static final String GENERATE_HELP = """
      usage: satlake generate --responses N --customers M --out DIR [--format csv|parquet] [--seed S]

      Writes DIR/responses and DIR/crm in the input contract: realistic correlations, skewed
      complaint categories, multilingual comments, about 2% of responses from customers missing
      from the CRM, and a few planted rows of every response rejection reason (Parquet cannot
      hold malformed lines, invalid dates or non-integer scores, so those are CSV only). The same
      arguments always give the same data.

        --responses N    good responses to write (required)
        --customers M    CRM customers to write (required)
        --out DIR        output folder, local or s3a:// (required; overwritten)
        --format F       csv (default) or parquet
        --seed S         random seed (default 42)
      """;

  private static final String SQL_HELP = """
      usage: satlake sql "SELECT ..." [--format table|csv] [--limit N] [--config FILE] [--set key=value ...]

      Runs one SQL statement against the metastore (the database of the config is the current
      one, so `SELECT * FROM segment_scores` works) and prints the result; arrays, maps and
      structs as JSON. SQL that does not parse or analyse exits with 2, a statement that fails
      while it runs with 1.

        --format table|csv   output format (default table)
        --limit N            at most N rows (default 1000)
        --config FILE        HOCON file overriding reference.conf (the warehouse, database, catalog)
        --set key=value      override one key
      """;

  private SatisfactionJob() {}

  public static void main(String[] args) {
    int code = execute(args, System.out, System.err);
    if (code != 0) {
      if ("cluster".equals(System.getProperty("spark.submit.deployMode"))) {
        // the master only records FAILED; scripts/satlake submit reads the code from this line
        System.err.println(io.satlake.cli.StandaloneDriverWatch.EXIT_CODE_LINE + code);
      }
      System.exit(code);
    }
  }

  /** Runs a command; returns the exit code. User errors print one message, not a stack trace. */
  public static int execute(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
      (args.length == 0 ? err : out).print(USAGE);
      return args.length == 0 ? SatlakeException.ExitCode.USAGE_OR_CONFIG.code : 0;
    }
    String command = args[0];
    String[] rest = java.util.Arrays.copyOfRange(args, 1, args.length);
    try {
      switch (command) {
        case "run" -> run(rest, out);
        case "backfill" -> backfill(rest, out);
        case "demo" -> demo(rest, out);
        case "generate" -> generate(rest, out);
        case "sql" -> sql(rest, out);
        case "bench" -> Benchmark.bench(rest, out);
        default -> throw SatlakeException.usage("unknown command '" + command + "'\n" + USAGE);
      }
      return 0;
    } catch (SatlakeException e) {
      err.println("satlake " + command + ": " + e.getMessage());
      return e.exitCode().code;
    }
  }

  private static boolean helped(Arguments a, String help, PrintStream out) {
    if (a.help()) {
      out.print(help);
    }
    return a.help();
  }

  private static Settings settings(Arguments a) {
    String file = a.option("config", null);
    return SettingsLoader.load(file == null ? null : new File(file), a.overrides());
  }

  private static void run(String[] args, PrintStream out) {
    Arguments a = Arguments.parse("run", args, Set.of("run-date", "config", "set"));
    if (helped(a, RUN_HELP, out)) {
      return;
    }
    a.noPositional();
    LocalDate runDate = a.date("run-date", null);
    Settings settings = settings(a);
    SparkSession spark = SparkSessions.create(settings);
    RunResult result = runJob(spark, settings, runDate);
    RunSummary.print(result, settings.minN(), out);
    failOnCriticalAlert(result, settings);
  }

  /** After a succeeded run (tables and run_log written): exit code 4 when configured and a critical alert fired. */
  private static void failOnCriticalAlert(RunResult result, Settings settings) {
    if (result.criticalAlert() && settings.tracking().exitOnCritical()) {
      throw new SatlakeException(SatlakeException.ExitCode.CRITICAL_ALERT, "run " + result.runId()
          + " succeeded, but a critical alert fired (alerts.exit-on-critical = true); see the alerts table");
    }
  }

  private static void demo(String[] args, PrintStream out) {
    Arguments a = Arguments.parse("demo", args, Set.of("run-date", "config", "set", "responses", "customers"));
    if (helped(a, DEMO_HELP, out)) {
      return;
    }
    a.noPositional();
    LocalDate runDate = a.date("run-date", DEMO_RUN_DATE);
    long responses = a.longOption("responses", 20_000);
    long customers = a.longOption("customers", 2_000);
    if (responses < 1 || customers < 1) { // checked even when the sample exists, so a mistake is never silent
      throw SatlakeException.usage("--responses and --customers must be at least 1");
    }
    Map<String, String> overrides = new java.util.LinkedHashMap<>(a.overrides());
    overrides.put("inputs.responses.path", DEMO_DATA + "/responses");
    overrides.put("inputs.responses.format", "csv");
    overrides.put("inputs.crm.path", DEMO_DATA + "/crm");
    overrides.put("inputs.crm.format", "csv");
    String file = a.option("config", null);
    Settings settings = SettingsLoader.load(file == null ? null : new File(file), overrides);
    SparkSession spark = SparkSessions.create(settings);
    if (!new File(DEMO_DATA, "responses").isDirectory() || !new File(DEMO_DATA, "crm").isDirectory()) {
      long started = System.nanoTime();
      SampleDataGenerator.Summary s = SampleDataGenerator.generate(spark,
          new SampleDataGenerator.Options(responses, customers, DEMO_DATA, SampleDataGenerator.Format.CSV, 42));
      out.printf(Locale.ROOT, "generated %,d sample responses and %,d customers into %s (%.1f s)%n",
          s.goodResponses(), s.customers(), DEMO_DATA, (System.nanoTime() - started) / 1e9);
    }
    RunResult result = runJob(spark, settings, runDate);
    RunSummary.print(result, settings.minN(), out);
    out.println("next: scripts/satlake sql \"SELECT segment_key, region, nps, nps_low, nps_high, nps_n FROM segment_scores"
        + " WHERE period_grain = 'window' ORDER BY nps DESC\"");
    failOnCriticalAlert(result, settings);
  }

  static RunResult runJob(SparkSession spark, Settings settings, LocalDate runDate) {
    return runJob(spark, settings, runDate, new StageClock());
  }

  private static void backfill(String[] args, PrintStream out) {
    Arguments a = Arguments.parse("backfill", args, Set.of("from", "to", "config", "set"), Set.of("rerun-succeeded"));
    if (helped(a, BACKFILL_HELP, out)) {
      return;
    }
    a.noPositional();
    LocalDate from = a.date("from", null);
    LocalDate to = a.date("to", null);
    if (to.isBefore(from)) {
      throw SatlakeException.usage("--to " + to + " is before --from " + from);
    }
    Settings settings = settings(a);
    SparkSession spark = SparkSessions.create(settings);
    Set<LocalDate> succeeded = a.flag("rerun-succeeded") ? Set.of()
        : RunLog.succeededRunDates(spark, new DeltaSink(spark, settings).location(OutputTables.RUN_LOG), from, to);
    long days = ChronoUnit.DAYS.between(from, to) + 1;
    int ran = 0;
    for (LocalDate date = from; !date.isAfter(to); date = date.plusDays(1)) {
      String progress = String.format(Locale.ROOT, "backfill %s (%d/%d)", date,
          ChronoUnit.DAYS.between(from, date) + 1, days);
      if (succeeded.contains(date)) {
        out.println(progress + ": skipped, its last run succeeded");
        continue;
      }
      long started = System.nanoTime();
      RunResult result;
      try {
        result = runJob(spark, settings, date);
      } catch (SatlakeException e) {
        throw new SatlakeException(e.exitCode(), date + ": " + e.getMessage()
            + " (the dates before it are done; the same command resumes here)");
      }
      ran++;
      out.printf(Locale.ROOT, "%s: succeeded, run %s, %,d responses analysed (%.1f s)%n", progress,
          result.runId(), result.inWindow(), (System.nanoTime() - started) / 1e9);
    }
    out.printf(Locale.ROOT, "backfill %s .. %s done: %d run, %d skipped%n", from, to, ran, days - ran);
  }

  /** Runs the pipeline and writes the run_log row, also when the run fails. */
  static RunResult runJob(SparkSession spark, Settings settings, LocalDate runDate, StageClock clock) {
    String runId = runDate + "-" + UUID.randomUUID().toString().substring(0, 8);
    Instant started = Instant.now();
    LOG.info("run {} for {}: Spark UI {} (master {})", runId, runDate,
        spark.sparkContext().uiWebUrl().getOrElse(() -> "disabled"), spark.sparkContext().master());
    SparkSessions.configureRun(spark, settings, SparkSessions.inputBytes(spark,
        settings.responses().path() == null ? "" : settings.responses().path(),
        settings.crm().path() == null ? "" : settings.crm().path()));
    RunResult result = null;
    String error = null;
    try {
      result = new SatisfactionPipeline(spark, settings, clock).run(runDate, runId);
      return result;
    } catch (SatlakeException e) {
      error = e.getMessage();
      throw e;
    } catch (Exception e) { // Scala's exceptions (AnalysisException) are undeclared: checked ones arrive here too
      SatlakeException inputError = Sources.inputError(e);
      error = inputError != null ? inputError.getMessage() : e.toString();
      throw inputError != null ? inputError
          : new SatlakeException(SatlakeException.ExitCode.RUN_FAILED, "run " + runId + " failed: " + e);
    } catch (Error e) {
      error = e.toString();
      throw e;
    } finally {
      Instant finished = Instant.now();
      Dataset<Row> log = RunLog.row(spark, settings, runId, runDate,
          result == null ? null : result.window(), result, error, started, finished, clock.seconds(), version());
      try {
        new DeltaSink(spark, settings).append(OutputTables.RUN, log, runId);
      } catch (Exception logFailure) {
        if (error == null) {
          throw new SatlakeException(SatlakeException.ExitCode.RUN_FAILED,
              "run " + runId + " wrote its tables but not its run_log row: " + logFailure);
        }
        // the run already failed; its error is the one to report
      }
    }
  }

  private static void generate(String[] args, PrintStream out) {
    Arguments a = Arguments.parse("generate", args, Set.of("responses", "customers", "out", "format", "seed"));
    if (helped(a, GENERATE_HELP, out)) {
      return;
    }
    a.noPositional();
    long responses = a.longOption("responses", -1);
    long customers = a.longOption("customers", -1);
    if (responses < 1 || customers < 1) {
      throw SatlakeException.usage("--responses and --customers are required and must be at least 1");
    }
    String outDir = a.required("out");
    SampleDataGenerator.Format format = switch (a.option("format", "csv").toLowerCase(Locale.ROOT)) {
      case "csv" -> SampleDataGenerator.Format.CSV;
      case "parquet" -> SampleDataGenerator.Format.PARQUET;
      default -> throw SatlakeException.usage("--format must be csv or parquet, got '" + a.option("format", "") + "'");
    };
    Settings settings = SettingsLoader.load(null, Map.of("spark.catalog", "in-memory"));
    SparkSession spark = SparkSessions.create(settings);
    long started = System.nanoTime();
    SampleDataGenerator.Summary s = SampleDataGenerator.generate(spark,
        new SampleDataGenerator.Options(responses, customers, outDir, format, a.longOption("seed", 42)));
    out.printf(Locale.ROOT, "wrote %s/responses (%,d good rows, %,d of them for customers not in the CRM, planted bad rows %s)"
        + " and %s/crm (%,d customers) in %.1f s%n", outDir, s.goodResponses(), s.unmatchedGoodResponses(),
        s.plantedBadRows(), outDir, s.customers(), (System.nanoTime() - started) / 1e9);
  }

  private static void sql(String[] args, PrintStream out) {
    Arguments a = Arguments.parse("sql", args, Set.of("format", "limit", "config", "set"));
    if (helped(a, SQL_HELP, out)) {
      return;
    }
    List<String> statement = a.positional();
    if (statement.size() != 1) {
      throw SatlakeException.usage("expects exactly one quoted SQL statement (see sql --help)");
    }
    String format = a.option("format", "table");
    if (!format.equals("table") && !format.equals("csv")) {
      throw SatlakeException.usage("--format must be table or csv, got '" + format + "'");
    }
    int limit = (int) Math.min(Integer.MAX_VALUE, a.longOption("limit", 1000));
    Settings settings = settings(a);
    SparkSession spark = SparkSessions.create(settings);
    if (spark.catalog().databaseExists(settings.database())) {
      spark.catalog().setCurrentDatabase(settings.database());
    }
    Runnable restoreLogs = quietTaskFailureLogs();
    try {
      // A command (INSERT, DDL) runs inside spark.sql, a query while its rows are collected
      SqlOutput.print(spark.sql(statement.get(0)), format, limit, out);
    } catch (Exception e) { // Scala's AnalysisException (parse errors included) is undeclared
      if (e instanceof org.apache.spark.sql.AnalysisException analysis) {
        throw SatlakeException.usage(analysis.getSimpleMessage());
      }
      throw new SatlakeException(SatlakeException.ExitCode.RUN_FAILED, SatlakeException.innermostMessage(e));
    } finally {
      restoreLogs.run();
    }
  }

  /**
   * Spark's executor and task scheduler log a failed task with its stack trace (about 50 lines)
   * before the statement's error reaches {@link #sql}, which prints it as one line: while a
   * statement runs, those two loggers are off. Returns what puts them back.
   */
  private static Runnable quietTaskFailureLogs() {
    try {
      Map<String, org.apache.logging.log4j.Level> before = new java.util.HashMap<>();
      for (String name : List.of("org.apache.spark.executor.Executor", "org.apache.spark.scheduler.TaskSetManager")) {
        before.put(name, org.apache.logging.log4j.LogManager.getLogger(name).getLevel());
        org.apache.logging.log4j.core.config.Configurator.setLevel(name, org.apache.logging.log4j.Level.OFF);
      }
      return () -> org.apache.logging.log4j.core.config.Configurator.setLevel(before);
    } catch (LinkageError | RuntimeException noLog4jCore) { // another logging backend: its logs stay
      return () -> { };
    }
  }

  static String version() {
    try (InputStream in = SatisfactionJob.class.getResourceAsStream("/satlake-version.properties")) {
      Properties p = new Properties();
      if (in != null) {
        p.load(in);
      }
      return p.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }
}
