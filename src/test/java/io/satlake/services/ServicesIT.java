package io.satlake.services;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.satlake.testing.Processes;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The production set-up on 127.0.0.1, every part a real server in its own process: S3Proxy (an
 * S3 API) holding the inputs and the warehouse, the shared Derby metastore
 * ({@code scripts/satlake metastore start}), the Spark Thrift server ({@code scripts/satlake
 * serve-bi}) and the job ({@code scripts/satlake run}), which runs twice for one date. The
 * second run reads different responses while a BI client keeps querying: every answer is the
 * old or the new version. Credentials come only from the environment and appear in no log.
 */
class ServicesIT {
  static final String RUN_DATE = "2025-12-31";
  static final List<String> TABLES = List.of("segment_scores", "driver_correlations", "response_facts",
      "rejected_responses", "run_log");
  static final Path ROOT = Path.of("").toAbsolutePath();
  static final String SECRET = HexFormat.of().formatHex(new SecureRandom().generateSeed(16));

  @TempDir
  static Path dir;
  static Path s3;
  static Process s3proxy;
  static Process bi;
  static int biPort;
  static Map<String, String> env = new LinkedHashMap<>();
  static final List<Path> logs = new ArrayList<>();
  static Map<String, Long> rowsAfterFirstRun = new LinkedHashMap<>();
  static final List<List<Long>> seenDuringRerun = new CopyOnWriteArrayList<>();
  static List<Long> before;
  static List<Long> after;

  @BeforeAll
  static void startEverythingAndRunTwice() throws Exception {
    s3 = Files.createDirectories(dir.resolve("s3"));
    int s3Port = Processes.freePort();
    Path props = dir.resolve("s3proxy.properties");
    Files.writeString(props, String.join("\n",
        "s3proxy.endpoint=http://127.0.0.1:" + s3Port,
        "s3proxy.authorization=aws-v2-or-v4",
        "s3proxy.identity=satlake-it",
        "s3proxy.credential=" + SECRET,
        "jclouds.provider=filesystem-nio2",
        "jclouds.filesystem.basedir=" + s3) + "\n");
    // S3A cannot create buckets: with the filesystem backend a bucket is a folder
    Files.createDirectories(s3.resolve("lake"));
    Path s3log = dir.resolve("s3proxy.log");
    s3proxy = Processes.start(List.of(java(), "-Xmx256m", "-jar", System.getProperty("satlake.it.s3proxy.jar"),
        "--properties", props.toString()), Map.of(), dir, s3log);
    Processes.awaitPort(s3Port, s3proxy, s3log, 120);
    upload(s3Port, writeInputs("input", 40));
    upload(s3Port, writeInputs("input-b", 30));

    // The job's config names the endpoint only; the keys come from the environment (S3A's chain).
    Path config = dir.resolve("lake.conf");
    Files.writeString(config, """
        satlake {
          inputs {
            responses { path = "s3a://lake/input/responses", format = csv }
            crm { path = "s3a://lake/input/crm", format = csv }
          }
          dimensions = [quality]
          behaviour-drivers = [visits]
          segments { dimensions = [channel, region], combinations = [], correlation-levels = [region] }
          warehouse = "s3a://lake/warehouse"
          spark {
            master = "local[2]"
            shuffle-partitions = 2
            conf { %s }
          }
        }
        """.formatted(String.join(", ", s3aSettings(s3Port).entrySet().stream()
            .map(e -> "\"" + e.getKey() + "\" = \"" + e.getValue() + "\"").toList())));
    env.put("AWS_ACCESS_KEY_ID", "satlake-it");
    env.put("AWS_SECRET_ACCESS_KEY", SECRET);
    env.put("SATLAKE_METASTORE_DIR", dir.resolve("metastore").toString());
    env.put("SATLAKE_METASTORE_PORT", String.valueOf(Processes.freePort()));
    biPort = Processes.freePort();
    env.put("SATLAKE_BI_PORT", String.valueOf(biPort));
    env.put("SATLAKE_BI_MEMORY", "1g");
    env.put("SATLAKE_DRIVER_MEMORY", "1g");

    assertEquals(0, satlake("metastore", List.of("metastore", "start")));
    List<String> serveBi = new ArrayList<>(List.of(ROOT.resolve("scripts/satlake").toString(), "serve-bi",
        "--conf", "spark.ui.enabled=false", "--conf", "spark.sql.shuffle.partitions=2", "--master", "local[2]"));
    s3aSettings(s3Port).forEach((k, v) -> serveBi.addAll(List.of("--conf", k + "=" + v)));
    Path biLog = log("serve-bi");
    bi = Processes.start(serveBi, env, dir, biLog);

    assertEquals(0, satlake("run-1", List.of("run", "--run-date", RUN_DATE, "--config", config.toString())),
        () -> Processes.tail(dir.resolve("run-1.log")));
    Processes.awaitPort(biPort, bi, biLog, 300);
    try (Connection c = connect(); Statement s = c.createStatement()) {
      for (String table : TABLES) {
        rowsAfterFirstRun.put(table, single(s, "SELECT count(*) FROM satlake." + table));
      }
      before = countAndSum(s);
    }

    // The rerun reads other responses; a BI client queries the date all along.
    AtomicBoolean rerunning = new AtomicBoolean(true);
    Thread reader = new Thread(() -> {
      try (Connection c = connect(); Statement s = c.createStatement()) {
        while (rerunning.get()) {
          seenDuringRerun.add(countAndSum(s));
          // a few queries a second: back to back they took CPU from the rerun they watch (2 cores)
          Thread.sleep(250);
        }
      } catch (SQLException e) {
        seenDuringRerun.add(List.of(-1L, -1L));
        throw new IllegalStateException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    reader.start();
    int rerun = satlake("run-2", List.of("run", "--run-date", RUN_DATE, "--config", config.toString(),
        "--set", "inputs.responses.path=s3a://lake/input-b/responses"));
    rerunning.set(false);
    reader.join();
    assertEquals(0, rerun, () -> Processes.tail(dir.resolve("run-2.log")));
    try (Connection c = connect(); Statement s = c.createStatement()) {
      after = countAndSum(s);
    }
  }

  @AfterAll
  static void stopEverything() {
    Processes.stop(bi);
    if (env.containsKey("SATLAKE_METASTORE_DIR")) {
      satlake("metastore-stop", List.of("metastore", "stop"));
    }
    Processes.stop(s3proxy);
  }

  /** Endpoint settings for S3A (as Spark settings); no credentials among them. */
  static Map<String, String> s3aSettings(int port) {
    Map<String, String> conf = new LinkedHashMap<>();
    conf.put("spark.hadoop.fs.s3a.endpoint", "http://127.0.0.1:" + port);
    conf.put("spark.hadoop.fs.s3a.endpoint.region", "us-east-1");
    conf.put("spark.hadoop.fs.s3a.path.style.access", "true");
    conf.put("spark.hadoop.fs.s3a.connection.ssl.enabled", "false");
    return conf;
  }

  /**
   * Responses 1..n, all valid, and one rejected row: nps = i mod 11, customer c(i mod 8); and 8 CRM customers.
   * Written locally into {@code prefix/}, to be uploaded to the bucket.
   */
  static Path writeInputs(String prefix, int n) throws IOException {
    StringBuilder responses = new StringBuilder(
        "response_id,customer_id,survey_date,channel,nps,csat,ces,dim_quality,complaint_category,comment\n");
    for (int i = 1; i <= n; i++) {
      responses.append("r").append(i).append(",c").append(i % 8).append(",2025-0").append(1 + i % 9).append("-1")
          .append(i % 10).append(',').append(i % 2 == 0 ? "web" : "app").append(',').append(i % 11).append(',')
          .append(1 + i % 5).append(',').append(1 + i % 7).append(',').append(1 + i % 7).append(",,\n");
    }
    responses.append("bad1,c1,2025-01-05,web,11,3,3,3,,\n"); // SCORE_OUT_OF_RANGE: rejected_responses gets a row
    StringBuilder crm = new StringBuilder("customer_id,region,visits\n");
    for (int c = 0; c < 8; c++) {
      crm.append('c').append(c).append(',').append(c % 2 == 0 ? "north" : "south").append(',').append(c + 1).append('\n');
    }
    Path folder = Files.createDirectories(dir.resolve("upload").resolve(prefix));
    Files.createDirectories(folder.resolve("responses"));
    Files.createDirectories(folder.resolve("crm"));
    Files.writeString(folder.resolve("responses/part.csv"), responses, StandardCharsets.UTF_8);
    Files.writeString(folder.resolve("crm/part.csv"), crm, StandardCharsets.UTF_8);
    return folder;
  }

  /**
   * Uploads a local folder to s3a://lake/&lt;its name&gt; through the S3 API (S3A needs the ETag
   * that an upload records; a file dropped into S3Proxy's folder has none).
   */
  static void upload(int s3Port, Path folder) throws IOException {
    Configuration conf = new Configuration();
    s3aSettings(s3Port).forEach((k, v) -> conf.set(k.substring("spark.hadoop.".length()), v));
    conf.set("fs.s3a.access.key", "satlake-it");
    conf.set("fs.s3a.secret.key", SECRET);
    try (FileSystem fs = FileSystem.newInstance(URI.create("s3a://lake/"), conf)) {
      fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(folder.toUri()),
          new org.apache.hadoop.fs.Path("s3a://lake/" + folder.getFileName()));
    }
  }

  /** count and sum(nps) of the responses 1..n written by writeInputs, worked out here. */
  static List<Long> expected(int n) {
    long sum = 0;
    for (int i = 1; i <= n; i++) {
      sum += i % 11;
    }
    return List.of((long) n, sum);
  }

  static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  static Path log(String name) {
    Path log = dir.resolve(name + ".log");
    logs.add(log);
    return log;
  }

  /** Runs scripts/satlake with the test's environment; its output goes to NAME.log. */
  static int satlake(String name, List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(ROOT.resolve("scripts/satlake").toString());
    command.addAll(args);
    return Processes.run(command, env, dir, log(name), 900);
  }

  static Connection connect() throws SQLException {
    return DriverManager.getConnection("jdbc:hive2://127.0.0.1:" + biPort + "/default", "", "");
  }

  static long single(Statement s, String sql) throws SQLException {
    try (ResultSet rs = s.executeQuery(sql)) {
      assertTrue(rs.next(), sql);
      return rs.getLong(1);
    }
  }

  /** One query, so one snapshot: the date's row count and nps sum as a BI tool would read them. */
  static List<Long> countAndSum(Statement s) throws SQLException {
    try (ResultSet rs = s.executeQuery("SELECT count(*), sum(nps) FROM satlake_bi.response_facts"
        + " WHERE run_date = DATE'" + RUN_DATE + "'")) {
      assertTrue(rs.next());
      return List.of(rs.getLong(1), rs.getLong(2));
    }
  }

  @Test
  void everyTableIsWrittenToTheBucket() {
    for (String table : TABLES) {
      assertTrue(Files.isRegularFile(s3.resolve("lake/warehouse/satlake/" + table
          + "/_delta_log/00000000000000000000.json")), table + " is a Delta table in s3a://lake/warehouse");
      assertTrue(rowsAfterFirstRun.get(table) > 0, table + " has rows");
    }
    assertEquals(expected(40), before, "the first run read s3a://lake/input: 40 responses");
  }

  @Test
  void aRerunReplacesTheDateAndReadersSeeTheOldOrTheNewVersionNeverAMix() throws SQLException {
    assertEquals(expected(30), after, "after the rerun: only input-b's 30 responses, not 70");
    assertFalse(seenDuringRerun.isEmpty());
    for (List<Long> seen : seenDuringRerun) {
      assertTrue(seen.equals(before) || seen.equals(after), "saw " + seen + ", neither " + before + " nor " + after);
    }
    try (Connection c = connect(); Statement s = c.createStatement()) {
      assertEquals(2, single(s, "SELECT count(*) FROM satlake.run_log WHERE run_date = DATE'" + RUN_DATE
          + "' AND status = 'succeeded'"));
      assertEquals(1, single(s, "SELECT count(DISTINCT run_id) FROM satlake.segment_scores"));
    }
  }

  @Test
  void biMetadataListsEveryColumnOfEveryTable() throws SQLException {
    try (Connection c = connect(); Statement s = c.createStatement()) {
      DatabaseMetaData meta = c.getMetaData();
      for (String table : TABLES) {
        List<String> columns = new ArrayList<>();
        try (ResultSet rs = s.executeQuery("SELECT * FROM satlake." + table + " LIMIT 1")) {
          ResultSetMetaData md = rs.getMetaData();
          for (int i = 1; i <= md.getColumnCount(); i++) {
            columns.add(md.getColumnName(i).replaceFirst("^.*\\.", ""));
          }
        }
        List<String> listed = new ArrayList<>();
        try (ResultSet rs = meta.getColumns(null, "satlake_bi", table, "%")) {
          while (rs.next()) {
            listed.add(rs.getString("COLUMN_NAME"));
            assertFalse(rs.getString("REMARKS") == null || rs.getString("REMARKS").isBlank(),
                table + "." + rs.getString("COLUMN_NAME") + " has its comment");
          }
        }
        assertEquals(columns, listed, "satlake_bi." + table + " lists every column of satlake." + table);
      }
      assertTrue(columnsOf(meta, "response_facts").containsAll(List.of("run_date", "dim_quality", "visits",
          "satisfaction_index", "region", "channel")));
      // the run date a dashboard should read, through the BI server as well
      assertEquals(List.of("run_date", "run_id"), columnsOf(meta, "latest_run"));
      try (ResultSet rs = s.executeQuery("SELECT count(*) FROM satlake_bi.latest_run")) {
        assertTrue(rs.next());
        assertEquals(1, rs.getLong(1));
      }
    }
  }

  static List<String> columnsOf(DatabaseMetaData meta, String table) throws SQLException {
    List<String> listed = new ArrayList<>();
    try (ResultSet rs = meta.getColumns(null, "satlake_bi", table, "%")) {
      while (rs.next()) {
        listed.add(rs.getString("COLUMN_NAME"));
      }
    }
    return listed;
  }

  @Test
  void credentialsAppearInNoLogAndNoConfigFile() {
    assertFalse(Processes.read(dir.resolve("lake.conf")).contains(SECRET));
    for (Path log : logs) {
      String text = Processes.read(log);
      assertFalse(text.contains(SECRET), log.getFileName() + " contains the secret key");
    }
    assertTrue(Processes.read(dir.resolve("run-2.log")).contains("stage"), "the run's log was captured");
  }
}
