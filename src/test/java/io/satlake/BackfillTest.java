package io.satlake;

import static io.satlake.CommandLineTest.assertFails;
import static io.satlake.CommandLineTest.execute;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.satlake.testing.SharedSpark;
import io.satlake.testing.TestInputs;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** backfill runs each date in order, resumes after the dates that succeeded, stops at the first failure. */
class BackfillTest {
  @TempDir
  static Path dir;
  static Path responses;
  static Path crm;

  @BeforeAll
  static void inputs() {
    SharedSpark.spark();
    responses = TestInputs.csv(dir, "responses", "response_id,customer_id,survey_date,channel,nps,dim_quality",
        "r1,c1,2025-01-30,web,9,6", "r2,c2,2025-01-31,app,3,2", "r3,c1,2025-02-01,web,10,7");
    crm = TestInputs.csv(dir, "crm", "customer_id,region,visits", "c1,north,3", "c2,south,1");
  }

  static String[] backfill(String... extra) {
    List<String> args = new java.util.ArrayList<>(List.of("backfill", "--set", "warehouse=" + dir.resolve("wh"),
        "--set", "database=satlake_backfill", "--set", "inputs.crm.path=" + crm, "--set", "dimensions=[quality]",
        "--set", "behaviour-drivers=[visits]", "--set", "segments.dimensions=[channel, region]",
        "--set", "segments.combinations=[]", "--set", "segments.correlation-levels=[]"));
    for (String column : new String[] {"csat", "ces", "complaint_category", "comment"}) {
      args.addAll(List.of("--set", "inputs.responses.columns." + column + "=null"));
    }
    args.addAll(List.of(extra));
    if (!args.contains("inputs.responses.path=/no/such/folder")) {
      args.addAll(List.of("--set", "inputs.responses.path=" + responses));
    }
    return args.toArray(String[]::new);
  }

  /** run_date -> statuses of its run_log rows in order of finishing, e.g. "failed,succeeded". */
  static Map<String, String> runLog() {
    Map<String, String> byDate = new TreeMap<>();
    for (Row r : SharedSpark.spark().read().format("delta").load(dir.resolve("wh/satlake_backfill/run_log").toString())
        .orderBy("finished_at").select("run_date", "status").collectAsList()) {
      byDate.merge(r.getDate(0).toString(), r.getString(1), (a, b) -> a + "," + b);
    }
    return byDate;
  }

  static long factRows(String runDate) {
    return SharedSpark.spark().read().format("delta").load(dir.resolve("wh/satlake_backfill/response_facts").toString())
        .filter("run_date = DATE'" + runDate + "'").count();
  }

  @Test
  void runsInOrderResumesAndStopsAtTheFirstFailure() {
    CommandLineTest.Outcome first = execute(backfill("--from", "2025-01-30", "--to", "2025-01-31"));
    assertEquals(0, first.code(), first.err());
    assertTrue(first.out().contains("backfill 2025-01-30 (1/2): succeeded"), first.out());
    assertTrue(first.out().indexOf("2025-01-30 (1/2)") < first.out().indexOf("2025-01-31 (2/2): succeeded"), first.out());
    // window 'all': each date analyses the responses up to and including it (r1; r1 and r2)
    assertEquals(1, factRows("2025-01-30"));
    assertEquals(2, factRows("2025-01-31"));

    // a missing input fails the first date with exit code 3; the second is never attempted
    assertFails(3, "satlake backfill: 2025-02-01: satlake.inputs.responses.path: input not found",
        backfill("--from", "2025-02-01", "--to", "2025-02-02", "--set", "inputs.responses.path=/no/such/folder"));
    assertEquals(Map.of("2025-01-30", "succeeded", "2025-01-31", "succeeded", "2025-02-01", "failed"), runLog());

    // resuming skips the dates that succeeded and retries the failed one
    CommandLineTest.Outcome resumed = execute(backfill("--from", "2025-01-30", "--to", "2025-02-01"));
    assertEquals(0, resumed.code(), resumed.err());
    assertTrue(resumed.out().contains("backfill 2025-01-30 (1/3): skipped"), resumed.out());
    assertTrue(resumed.out().contains("backfill 2025-01-31 (2/3): skipped"), resumed.out());
    assertTrue(resumed.out().contains("backfill 2025-02-01 (3/3): succeeded"), resumed.out());
    assertTrue(resumed.out().contains("done: 1 run, 2 skipped"), resumed.out());

    // --rerun-succeeded reruns a date that succeeded
    CommandLineTest.Outcome rerun = execute(backfill("--from", "2025-01-30", "--to", "2025-01-30", "--rerun-succeeded"));
    assertEquals(0, rerun.code(), rerun.err());
    assertEquals(Map.of("2025-01-30", "succeeded,succeeded", "2025-01-31", "succeeded", "2025-02-01", "failed,succeeded"),
        runLog());
    assertEquals(1, factRows("2025-01-30")); // the rerun replaced the date's rows
  }

  @Test
  void usageMistakesExitWithTwo() {
    assertFails(2, "satlake backfill: --from YYYY-MM-DD is required", "backfill", "--to", "2025-01-01");
    assertFails(2, "satlake backfill: --to 2025-01-01 is before --from 2025-01-02",
        "backfill", "--from", "2025-01-02", "--to", "2025-01-01");
    assertFails(2, "unknown option --resume", "backfill", "--resume", "--from", "2025-01-01", "--to", "2025-01-01");
  }
}
