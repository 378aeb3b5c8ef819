package io.satlake.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.satlake.sample.SampleDataGenerator;
import io.satlake.testing.SharedSpark;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The job on a real Spark standalone cluster (a master and a worker, the executors and cluster-mode
 * drivers in their own JVMs), started with {@code scripts/satlake local-cluster} and used through
 * {@code scripts/satlake submit}, as a user would. Code that only works in local mode (driver-only
 * static state, classes missing from the shaded jar) fails here. One worker with two cores, not the
 * default two with one each: an application then starts one executor JVM instead of two, which on
 * CI's 2 cores cost this class about 40 of its 285 s. Runs in {@code mvn verify} (failsafe); the
 * cluster is stopped whatever happens.
 */
class LocalClusterIT {
  static final Path ROOT = Path.of(System.getProperty("user.dir"));
  static final Path WORK = ROOT.resolve("target/it-local-cluster");
  static final String RUN_DATE = "2025-12-31";
  static int masterPort;
  static int webUiPort;
  static String masterUrl;
  static String webUi;
  static SampleDataGenerator.Summary planted;

  record Result(int code, String output) {}

  @BeforeAll
  static void startClusterAndGenerateInput() throws IOException {
    deleteRecursively(WORK);
    Files.createDirectories(WORK);
    masterPort = freePort();
    webUiPort = freePort();
    Result started = satlake("local-cluster", "start");
    assertEquals(0, started.code(), started.output());
    assertTrue(started.output().contains("workers: 1 alive"), started.output());
    // the master takes the next port if another process grabbed this one meanwhile: use what it reports
    Matcher status = Pattern.compile("master:  (spark://\\S+)\\s+\\(web UI (http://\\S+)\\)").matcher(started.output());
    assertTrue(status.find(), started.output());
    masterUrl = status.group(1);
    webUi = status.group(2);
    planted = SampleDataGenerator.generate(SharedSpark.spark(), new SampleDataGenerator.Options(2000, 200,
        WORK.resolve("input").toString(), SampleDataGenerator.Format.CSV, 7));
  }

  @AfterAll
  static void stopCluster() {
    Result stopped = satlake("local-cluster", "stop");
    assertEquals(0, stopped.code(), stopped.output());
    assertEquals(1, satlake("local-cluster", "status").code(), "the cluster is down after stop");
  }

  @Test
  void clientModeRunWritesEveryTable() {
    // With Kryo, as many clusters are configured: task results cross JVMs through spark.serializer
    // here. Tasks of at most 1 MiB (Spark's default limit is 128): the tables built on the driver
    // travel in slices, so a large one never makes a task the cluster refuses (when each went out
    // in a single task, one of them made a 2.0 MB task here and the run failed).
    Result run = submit(List.of("--conf", "spark.serializer=org.apache.spark.serializer.KryoSerializer",
        "--conf", "spark.rpc.message.maxSize=1"), "inputs.responses.path=" + WORK.resolve("input/responses"));
    assertEquals(0, run.code(), run.output());
    assertTrue(run.output().contains("(master " + masterUrl + ")"), "ran on the cluster: " + run.output());
    assertTrue(run.output().contains("stage write_tables"), run.output());

    SparkSession spark = SharedSpark.spark();
    long plantedBad = planted.plantedBadRows().values().stream().mapToLong(Long::longValue).sum();
    Dataset<Row> facts = table("response_facts");
    assertEquals(planted.goodResponses(), facts.count()); // the sample ends on the run date: all in the window
    assertEquals(plantedBad, table("rejected_responses").count());
    // the failing runs of the other test may have added 'failed' rows; this run adds one 'succeeded'
    List<Row> succeeded = table("run_log").where("status = 'succeeded'")
        .selectExpr("responses_read", "responses_accepted").collectAsList();
    assertEquals(1, succeeded.size());
    assertEquals(planted.goodResponses() + plantedBad, succeeded.get(0).getLong(0));
    assertEquals(planted.goodResponses(), succeeded.get(0).getLong(1));
    // overall NPS from the facts the executors wrote, by its definition: 100 (promoters - detractors) / n
    Row counts = facts.selectExpr("count_if(nps >= 9)", "count_if(nps <= 6)", "count(nps)").head();
    double expectedNps = 100.0 * (counts.getLong(0) - counts.getLong(1)) / counts.getLong(2);
    Row overall = table("segment_scores").where("segment_key = 'overall' AND period_grain = 'window'")
        .selectExpr("nps", "nps_n").head();
    assertEquals(expectedNps, overall.getDouble(0), 1e-9);
    assertEquals(counts.getLong(2), overall.getLong(1));
    assertTrue(table("driver_correlations").where("segment_key = 'overall'").count() > 0);
    // gathered again by a shuffle: one file for the run date
    assertEquals(1, table("score_trends").inputFiles().length);
    assertTrue(spark.read().json(spark.createDataset(List.of(http(webUi + "/json/")),
        org.apache.spark.sql.Encoders.STRING())).selectExpr("size(completedapps)").head().getInt(0) >= 1,
        "the master ran the application");
  }

  @Test
  void failingRunsExitNonZeroInClientAndClusterMode() {
    String missing = "inputs.responses.path=" + WORK.resolve("no-such-input");
    Result client = submit(List.of(), missing);
    assertEquals(3, client.code(), client.output());
    assertTrue(client.output().contains("satlake run: satlake.inputs.responses.path: input not found"), client.output());

    // cluster mode: spark-submit itself exits 0 once the driver is accepted; submit reports the driver's result
    Result cluster = submit(List.of("--deploy-mode", "cluster"), missing);
    assertEquals(3, cluster.code(), cluster.output());
    assertTrue(cluster.output().contains("FAILED"), cluster.output());
    assertTrue(cluster.output().contains("input not found"), "the driver's error is shown: " + cluster.output());
    Result finished = satlake("submit", "--master", masterUrl, "--deploy-mode", "cluster", "--driver-memory", "512m",
        "--", "run", "--help");
    assertEquals(0, finished.code(), finished.output());
    assertTrue(finished.output().contains("FINISHED"), finished.output());
  }

  /**
   * Submits `run` for the run date. Fewer segments keep the test short (the scores and drivers stay
   * the default ones: the generator plants its bad rows against them);
   * the catalog is in-memory so a cluster-mode driver keeps no metastore in a worker's directory.
   */
  static Result submit(List<String> sparkOptions, String responses) {
    List<String> args = new ArrayList<>(List.of("submit", "--master", masterUrl, "--driver-memory", "1g",
        "--executor-memory", "1g", "--conf", "spark.sql.shuffle.partitions=4"));
    args.addAll(sparkOptions);
    args.addAll(List.of("--", "run", "--run-date", RUN_DATE, "--set", responses,
        "--set", "inputs.crm.path=" + WORK.resolve("input/crm"), "--set", "warehouse=" + WORK.resolve("warehouse"),
        "--set", "spark.catalog=in-memory", "--set", "segments.dimensions=[channel, region]",
        "--set", "segments.combinations=[]", "--set", "segments.correlation-levels=[]"));
    return satlake(args.toArray(String[]::new));
  }

  static Dataset<Row> table(String name) {
    return SharedSpark.spark().read().format("delta").load(WORK.resolve("warehouse/satlake/" + name).toString());
  }

  /** Runs scripts/satlake with the IT's cluster directory and ports; output and errors together. */
  static Result satlake(String... args) {
    List<String> command = new ArrayList<>(List.of(ROOT.resolve("scripts/satlake").toString()));
    command.addAll(List.of(args));
    File log = WORK.resolve("satlake-" + System.nanoTime() + ".log").toFile();
    ProcessBuilder pb = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true)
        .redirectOutput(log);
    pb.environment().put("SATLAKE_CLUSTER_DIR", WORK.resolve("cluster").toString());
    pb.environment().put("SATLAKE_MASTER_PORT", Integer.toString(masterPort));
    pb.environment().put("SATLAKE_MASTER_WEBUI_PORT", Integer.toString(webUiPort));
    pb.environment().put("SATLAKE_WORKERS", "1");
    pb.environment().put("SATLAKE_WORKER_CORES", "2");
    pb.environment().remove("SPARK_HOME"); // the Spark of the Maven classpath, as on a fresh machine
    try {
      Process p = pb.start();
      if (!p.waitFor(10, TimeUnit.MINUTES)) { // a safety net: a run takes about a minute
        p.destroyForcibly();
        throw new AssertionError("timed out: " + command);
      }
      return new Result(p.exitValue(), Files.readString(log.toPath(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static String http(String url) {
    try (var in = java.net.URI.create(url).toURL().openStream()) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void deleteRecursively(Path path) throws IOException {
    if (Files.exists(path)) {
      try (var walk = Files.walk(path)) {
        walk.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
      }
    }
  }
}
