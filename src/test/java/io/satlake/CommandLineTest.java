package io.satlake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.satlake.config.Settings;
import io.satlake.config.SettingsLoader;
import io.satlake.testing.SharedSpark;
import io.satlake.testing.TestInputs;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every user mistake ends in one clear line on stderr and its exit code; --help works everywhere. */
class CommandLineTest {
  @TempDir
  static Path dir;
  static Path responses;
  static Path crm;

  record Outcome(int code, String out, String err) {}

  @BeforeAll
  static void inputs() {
    SharedSpark.spark(); // the commands below reuse the test JVM's session
    responses = TestInputs.csv(dir, "responses", "response_id,customer_id,survey_date,nps", "r1,c1,2025-01-01,9");
    crm = TestInputs.csv(dir, "crm", "customer_id,region", "c1,north");
  }

  static Outcome execute(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = SatisfactionJob.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  static void assertFails(int code, String message, String... args) {
    Outcome o = execute(args);
    assertEquals(code, o.code(), o.err());
    assertTrue(o.err().contains(message), "stderr should say '" + message + "' but was: " + o.err());
    assertTrue(!o.err().contains("\tat "), "no stack trace: " + o.err());
  }

  private static String[] run(String... extra) {
    String[] base = {"run", "--run-date", "2025-01-31", "--set", "warehouse=" + dir.resolve("wh"),
        "--set", "database=satlake_cli", "--set", "inputs.responses.path=" + responses,
        "--set", "inputs.crm.path=" + crm};
    String[] all = java.util.Arrays.copyOf(base, base.length + extra.length);
    System.arraycopy(extra, 0, all, base.length, extra.length);
    return all;
  }

  /** A run of the inputs above: NPS by region, no other score, driver or segment. */
  private static String[] npsAndRegionOnly(String... extra) {
    String[] model = {"--set", "dimensions=[]", "--set", "inputs.responses.columns.csat=null",
        "--set", "inputs.responses.columns.ces=null", "--set", "inputs.responses.columns.channel=null",
        "--set", "inputs.responses.columns.complaint_category=null", "--set", "inputs.responses.columns.comment=null",
        "--set", "segments.dimensions=[region]", "--set", "segments.combinations=[]",
        "--set", "segments.correlation-levels=[]", "--set", "behaviour-drivers=[]", "--set", "min-n=1"};
    String[] all = java.util.Arrays.copyOf(model, model.length + extra.length);
    System.arraycopy(extra, 0, all, model.length, extra.length);
    return run(all);
  }

  @Test
  void helpForEveryCommand() {
    for (String command : new String[] {"run", "backfill", "demo", "generate", "sql", "bench"}) {
      Outcome o = execute(command, "--help");
      assertEquals(0, o.code());
      assertTrue(o.out().startsWith("usage: satlake " + command), o.out());
    }
    assertEquals(0, execute("--help").code());
    // the options a command takes are on its usage line and in its list
    String sql = execute("sql", "--help").out();
    assertTrue(sql.lines().findFirst().orElse("").contains("[--config FILE] [--set key=value ...]"), sql);
    assertTrue(sql.contains("\n  --config FILE") && sql.contains("\n  --set key=value"), sql);
    String bench = execute("bench", "--help").out();
    assertTrue(bench.lines().findFirst().orElse("").contains("[--run-date D]") && bench.contains("\n  --run-date D"),
        bench);
  }

  @Test
  void usageMistakesExitWithTwo() {
    assertFails(2, "usage: satlake <command>");
    assertFails(2, "unknown command 'runn'", "runn");
    assertFails(2, "unknown option --bogus", "run", "--bogus", "1");
    assertFails(2, "satlake run: --run-date YYYY-MM-DD is required", "run");
    assertFails(2, "--run-date must be a calendar date YYYY-MM-DD, got '2025-02-30'", "run", "--run-date", "2025-02-30");
    assertFails(2, "option --run-date needs a value", "run", "--run-date");
    assertFails(2, "--set expects key=value", "run", "--run-date", "2025-01-01", "--set", "min-n");
    assertFails(2, "config file not found", "run", "--run-date", "2025-01-01", "--config", "/no/such.conf");
    assertFails(2, "--responses and --customers are required", "generate", "--out", dir.toString());
    assertFails(2, "unknown option --set", "generate", "--set", "min-n=3");
    assertFails(2, "satlake demo: --responses and --customers must be at least 1", "demo", "--customers", "0");
    assertFails(2, "--run-date must be a calendar date YYYY-MM-DD, got 'x'", "run", "--run-date=x");
    assertFails(2, "satlake.min-n: must be at least 1", "run", "--run-date=2025-01-01", "--set=min-n=0");
    assertFails(2, "--format must be csv or parquet", "generate", "--responses", "5", "--customers", "2",
        "--out", dir.toString(), "--format", "xml");
  }

  @Test
  void configProblemsNameTheirKeysAllAtOnce() {
    Outcome o = execute(run("--set", "satlake.nonsense=1", "--set", "min-n=0", "--set", "period-grain=week",
        "--set", "window.mode=explicit", "--set", "duplicates-broadcast-max-ids=10000001",
        "--set", "targets.trend-periods=2"));
    assertEquals(2, o.code(), o.err());
    for (String expected : new String[] {"satlake.nonsense: unknown key", "satlake.min-n: must be at least 1",
        "satlake.period-grain: 'week' is not one of month, quarter",
        "satlake.window: mode 'explicit' needs both start and end",
        "satlake.duplicates-broadcast-max-ids: at most 10000000",
        "satlake.targets.trend-periods: must be at least 3 (is 2)"}) {
      assertTrue(o.err().contains(expected), expected + " in: " + o.err());
    }
    assertFails(2, "satlake.segments.combinations: [region, nowhere]",
        run("--set", "segments.combinations=[[region, nowhere]]"));
    assertFails(2, "'bad-name' is not a valid name", run("--set", "dimensions=[bad-name]"));
    Outcome tracking = execute(run("--set", "trends.fdr-rate=1.5", "--set", "trends.fdr-family=segment",
        "--set", "alerts.rules=[{metric=nps}]",
        "--set", "targets.items=[{metric=nps, bsae=3}]", "--set", "alerts.drop-comparisons=[last_week]"));
    assertEquals(2, tracking.code(), tracking.err());
    for (String expected : new String[] {"satlake.trends.fdr-rate: must be above 0 and below 1",
        "satlake.trends.fdr-family: 'segment' is not one of comparison, run",
        "satlake.alerts.rules[0]: needs 'below' or 'above'", "satlake.targets.items[0].bsae: unknown key",
        "satlake.targets.items[0].base: must be set", "satlake.alerts.drop-comparisons: 'last_week' is not one of"}) {
      assertTrue(tracking.err().contains(expected), expected + " in: " + tracking.err());
    }
    assertFails(2, "satlake.alerts.rules[0]: unknown metric 'nsp'; tracked metrics are [nps, csat",
        run("--set", "alerts.rules=[{metric=nsp, below=1}]"));
    assertFails(2, "satlake.alerts.rules[0]: segment 'channel=web,region': 'region' must be <dimension>=<value or *>",
        run("--set", "alerts.rules=[{metric=nps, below=1, segment=\"channel=web,region\"}]"));
  }

  @Test
  void inputMistakesExitWithThree() {
    assertFails(3, "satlake.inputs.responses.path: input not found: /no/such/folder",
        run("--set", "inputs.responses.path=/no/such/folder"));
    // the responses file lacks columns the default mapping names
    assertFails(3, "has no column 'channel' (configured by satlake.inputs.responses.columns.channel)",
        run("--set", "dimensions=[]"));
    String[] onlyNps = {"--set", "dimensions=[]", "--set", "inputs.responses.columns.csat=null",
        "--set", "inputs.responses.columns.ces=null", "--set", "inputs.responses.columns.channel=null",
        "--set", "inputs.responses.columns.complaint_category=null", "--set", "inputs.responses.columns.comment=null"};
    assertFails(3, "CRM input " + crm + " has no column 'channel' (configured by satlake.segments.dimensions",
        run(onlyNps));
    String[] regionOnly = java.util.Arrays.copyOf(onlyNps, onlyNps.length + 6);
    System.arraycopy(new String[] {"--set", "segments.dimensions=[region]", "--set", "segments.combinations=[]",
        "--set", "segments.correlation-levels=[]"}, 0, regionOnly, onlyNps.length, 6);
    assertFails(3, "CRM input " + crm + " has no column 'visit_frequency' (configured by satlake.behaviour-drivers)",
        run(regionOnly));
  }

  @Test
  void anEmptyInputFolderExitsWithThreeAndLogsAFailedRun() throws Exception {
    Path empty = java.nio.file.Files.createDirectories(dir.resolve("empty-responses"));
    assertFails(3, "satlake.inputs.responses.path: no csv data under " + empty + " (an empty folder?)",
        run("--set", "inputs.responses.path=" + empty, "--set", "database=satlake_empty_input"));
    // a failed run is logged as failed, so that a backfill runs the date again
    org.apache.spark.sql.Row logged = SharedSpark.spark().table("satlake_empty_input.run_log").first();
    assertEquals("failed", logged.getAs("status"));
    assertTrue(logged.<String>getAs("error").contains("no csv data under"), logged.toString());
  }

  @Test
  void aCsvFileWhoseHeaderDiffersFromTheFirstFilesExitsWithThree() throws Exception {
    // read by position under the first file's header, the second file's nps would be read as its customer id
    Path folder = TestInputs.csv(dir, "mixed-headers", "response_id,customer_id,survey_date,nps", "r1,c1,2025-01-01,9");
    java.nio.file.Files.writeString(folder.resolve("part2.csv"), "response_id,nps,survey_date,customer_id\nr2,8,2025-01-02,c1\n");
    assertFails(3, "a CSV file's header differs from the first file's",
        npsAndRegionOnly("--set", "inputs.responses.path=" + folder, "--set", "database=satlake_mixed_headers"));
    assertEquals("failed", SharedSpark.spark().table("satlake_mixed_headers.run_log").first().getAs("status"));
  }

  @Test
  void aWindowWithNoResponsesSucceedsWithAWarning() {
    // the one response (2025-01-01) is before the last 7 days of the run date 2025-01-31
    Outcome o = execute(npsAndRegionOnly("--set", "database=satlake_empty_window", "--set", "window.mode=trailing",
        "--set", "window.trailing-days=7"));
    assertEquals(0, o.code(), o.err());
    String warning = "no accepted responses in the window 2025-01-25 .. 2025-01-31: this run date's score, driver"
        + " and trend tables are empty";
    assertTrue(o.out().contains("  analysed (in window) 0; customer not in CRM 0\n"), o.out());
    assertTrue(o.out().contains("    " + warning + "\n"), o.out());
    org.apache.spark.sql.Row logged = SharedSpark.spark().table("satlake_empty_window.run_log").first();
    assertEquals("succeeded", logged.getAs("status"));
    assertEquals(List.of(warning), logged.getList(logged.fieldIndex("warnings")));
  }

  @Test
  void responsesOfWhichNoneMatchesTheCrmSucceedWithAWarning() {
    Path otherIds = TestInputs.csv(dir, "crm-other-ids", "customer_id,region", "C1,north", "C2,south");
    Outcome o = execute(npsAndRegionOnly("--set", "database=satlake_no_match",
        "--set", "inputs.crm.path=" + otherIds));
    assertEquals(0, o.code(), o.err());
    String warning = "none of the 1 accepted responses has its customer among the 2 accepted CRM rows: check that"
        + " both inputs carry the same customer ids (satlake.inputs.crm.customer-id-column); CRM segments read"
        + " 'unknown' and the behaviour drivers have no values";
    org.apache.spark.sql.Row logged = SharedSpark.spark().table("satlake_no_match.run_log").first();
    assertEquals(List.of(warning), logged.getList(logged.fieldIndex("warnings")));
    assertTrue(o.out().contains("    " + warning + "\n"), o.out());
  }

  @Test
  void sqlReportsBadStatements() {
    assertFails(2, "satlake sql: expects exactly one quoted SQL statement", "sql");
    assertFails(2, "satlake sql: [PARSE_SYNTAX_ERROR]", "sql", "SELEC 1", "--set", "warehouse=" + dir.resolve("wh"));
    Outcome o = execute("sql", "SELECT 1 AS one, 'a,b' AS two", "--format", "csv", "--set", "warehouse=" + dir.resolve("wh"));
    assertEquals(0, o.code(), o.err());
    assertEquals("one,two\n1,\"a,b\"\n", o.out());
  }

  /** Settings from these overrides and the test inputs; throws on a configuration problem. */
  private static Settings settings(String... keyValues) {
    Map<String, String> overrides = new LinkedHashMap<>();
    overrides.put("inputs.responses.path", responses.toString());
    overrides.put("inputs.crm.path", crm.toString());
    for (String kv : keyValues) {
      overrides.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
    }
    return SettingsLoader.load(null, overrides);
  }

  @Test
  void aSetValueIsNeverCutShortByAHoconComment() {
    // HOCON reads // and # as the start of a comment: the value would be /tmp/wh and <dir>/run
    assertEquals("/tmp/wh//nightly", settings("warehouse=/tmp/wh//nightly").warehouse());
    Path hashFolder = TestInputs.csv(dir, "run#2", "response_id,customer_id,survey_date,nps", "r1,c1,2025-01-01,9");
    Outcome o = execute(npsAndRegionOnly("--set", "inputs.responses.path=" + hashFolder, "--set", "database=satlake_hash"));
    assertEquals(0, o.code(), o.err());
    assertEquals(hashFolder.toString(), settings("inputs.responses.path=" + hashFolder).responses().path());
    // a number or list followed by a comment is kept whole too, so it is not a number or list
    assertFails(2, "satlake.min-n: must be a whole number", run("--set", "min-n=5 # five"));
    assertFails(2, "satlake.dimensions: must be a list of names", run("--set", "dimensions=[a, b] // two"));
    // a second line or a comma would set another key
    assertFails(2, "satlake.min-n: must be a whole number", run("--set", "min-n=5, database = other"));
    assertFails(2, "satlake.min-n: must be a whole number", run("--set", "min-n=5\nmin-n = 6"));
    // inside quotes # and // are text, and HOCON still reads the value
    assertEquals("#", settings("inputs.responses.csv-delimiter=\"#\"").responses().csv().delimiter());
    assertEquals("http://x//y", settings("spark.conf={\"spark.a\" = \"http://x//y\"}").spark().conf().get("spark.a"));
    assertEquals(List.of(List.of("region", "channel")), settings("segments.combinations=[[region, channel]]")
        .segments().combinations());
  }

  @Test
  void aFractionOfAWholeNumberSettingIsRefusedNotTruncated() {
    // Typesafe's getInt reads 1.5 as 1, 0.9 as 0 (then "must be at least 1 (is 0)") and 1.9 as 1
    Outcome o = execute(run("--set", "min-n=1.5", "--set", "window.trailing-days=0.9", "--set", "customers.clusters.k=1.9",
        "--set", "importance.seed=2.5", "--set", "inputs.crm.broadcast-max-mb=\"7.5\""));
    assertEquals(2, o.code(), o.err());
    for (String key : new String[] {"min-n", "window.trailing-days", "customers.clusters.k", "importance.seed",
        "inputs.crm.broadcast-max-mb"}) {
      assertTrue(o.err().contains("satlake." + key + ": must be a whole number\n"), key + " in: " + o.err());
    }
    assertTrue(!o.err().contains("(is 0)") && !o.err().contains("(is 1)"), o.err());
    // written with a point, a whole number is still one; a quoted one is read as HOCON reads it
    assertEquals(5, settings("min-n=5.0").minN());
    assertEquals(1000, settings("min-n=1e3").minN());
    assertEquals(7, settings("min-n=\"7\"").minN());
    assertFails(2, "satlake.min-n: must be a whole number", run("--set", "min-n=3000000000"));
  }

  @Test
  void aDatePatternSparkCannotParseWithIsAConfigurationProblem() {
    Outcome o = execute(run("--set", "inputs.responses.date-format=yyyy-MM-dd-qqqqq",
        "--set", "customers.signup-date-format=yyyy-MM-dd 'at", "--set", "min-n=0"));
    assertEquals(2, o.code(), o.err());
    for (String expected : new String[] {
        "satlake.inputs.responses.date-format: 'yyyy-MM-dd-qqqqq' is not a date pattern Spark can parse with"
            + " (Illegal pattern character: q; see README, Configuration)",
        "satlake.customers.signup-date-format: 'yyyy-MM-dd 'at' is not a date pattern Spark can parse with"
            + " (Pattern ends with an incomplete string literal",
        "satlake.min-n: must be at least 1"}) {
      assertTrue(o.err().contains(expected), expected + " in: " + o.err());
    }
    assertTrue(!o.err().contains("\tat "), o.err());
    // java.time parses with E (a day of the week), Spark does not: the check is Spark's
    java.time.format.DateTimeFormatter.ofPattern("EEE yyyy-MM-dd");
    assertThrows(Exception.class, () -> SharedSpark.spark()
        .sql("SELECT try_to_timestamp('Wed 2025-01-01', 'EEE yyyy-MM-dd')").collect());
    assertFails(2, "satlake.inputs.responses.date-format: 'EEE yyyy-MM-dd' is not a date pattern Spark can parse"
        + " with (Illegal pattern character: E", run("--set", "inputs.responses.date-format=EEE yyyy-MM-dd"));
    assertEquals("dd/MM/yyyy", settings("inputs.responses.date-format=dd/MM/yyyy").responses().dateFormat());
  }

  @Test
  void aSparkMasterSparkCannotStartIsAConfigurationProblem() {
    assertFails(2, "satlake.spark.master: 'bogus' is not a Spark master URL", run("--set", "spark.master=bogus"));
    assertFails(2, "satlake.spark.master: 'local[two]' is not a Spark master URL", run("--set", "spark.master=local[two]"));
    assertFails(2, "satlake.spark.master: 'local[0]' is not a Spark master URL", run("--set", "spark.master=local[0]"));
    for (String master : new String[] {"local", "local[2]", "local[*]", "local[4, 3]", "local-cluster[2,1,1024]",
        "\"spark://127.0.0.1:7077\""}) {
      assertEquals(master.replace("\"", ""), settings("spark.master=" + master).spark().master());
    }
  }

  @Test
  void aStatementThatFailsWhileItRunsPrintsSparksMessageAndExitsWithOne() {
    String warehouse = "warehouse=" + dir.resolve("wh");
    Outcome raised = execute("sql", "SELECT raise_error('boom')", "--set", warehouse);
    assertEquals(1, raised.code(), raised.err());
    assertEquals("satlake sql: boom\n", raised.err());
    // fails in a task: Spark's "Job aborted due to stage failure" and the task's stack trace around it
    Outcome asserted = execute("sql", "SELECT assert_true(id < 2, concat('id ', id, ' is too big')) FROM range(3)",
        "--set", warehouse);
    assertEquals(1, asserted.code(), asserted.err());
    assertEquals("satlake sql: id 2 is too big\n", asserted.err());
    assertEquals("", asserted.out());
  }

  @Test
  void sqlPrintsArraysMapsAndStructsAsJson() {
    String query = "SELECT array('a', 'b') AS a, map('k', 1) AS m, named_struct('x', 1, 'y', array(1, 2)) AS s,"
        + " 'plain' AS p";
    String warehouse = "warehouse=" + dir.resolve("wh");
    Outcome csv = execute("sql", query, "--format", "csv", "--set", warehouse);
    assertEquals(0, csv.code(), csv.err());
    assertEquals("a,m,s,p\n\"[\"\"a\"\",\"\"b\"\"]\",\"{\"\"k\"\":1}\",\"{\"\"x\"\":1,\"\"y\"\":[1,2]}\",plain\n", csv.out());
    Outcome table = execute("sql", query, "--set", warehouse);
    assertEquals(0, table.code(), table.err());
    assertEquals("a         | m       | s                 | p    \n"
        + "----------+---------+-------------------+------\n"
        + "[\"a\",\"b\"] | {\"k\":1} | {\"x\":1,\"y\":[1,2]} | plain\n"
        + "(1 row)\n", table.out());
    // a result may repeat a column name
    Outcome repeated = execute("sql", "SELECT array(1) AS a, 2 AS a, map(3, array(4)) AS b", "--format", "csv",
        "--set", warehouse);
    assertEquals(0, repeated.code(), repeated.err());
    assertEquals("a,a,b\n[1],2,\"{\"\"3\"\":[4]}\"\n", repeated.out());
  }

  @Test
  void aCriticalAlertExitsWithFourWhenConfiguredAfterASucceededRun() {
    String[] args = npsAndRegionOnly("--set", "database=satlake_alert_exit",
        // the one response has nps 9: NPS 100, below 101
        "--set", "alerts.rules=[{metric=nps, below=101, severity=critical}]", "--set", "alerts.exit-on-critical=true");
    Outcome o = execute(args);
    assertEquals(4, o.code(), o.err());
    assertTrue(o.err().contains("a critical alert fired (alerts.exit-on-critical = true)"), o.err());
    assertTrue(o.out().contains("[critical] NPS of overall is 100.0"), o.out());
    var spark = SharedSpark.spark();
    assertEquals("succeeded", spark.table("satlake_alert_exit.run_log").first().getAs("status"));
    assertEquals(1, spark.table("satlake_alert_exit.alerts").filter("severity = 'critical'").count());
  }
}
