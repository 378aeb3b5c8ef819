package io.satlake.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.satlake.SatisfactionPipeline;
import io.satlake.SatlakeException;
import io.satlake.config.Settings;
import io.satlake.quality.CrmValidator;
import io.satlake.quality.ResponseValidator;
import io.satlake.testing.PostgresServer;
import io.satlake.testing.SharedSpark;
import io.satlake.testing.TestInputs;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CRM from a real PostgreSQL server (started here on a free port): the same rows as a CSV
 * CRM give the same accepted rows, reason codes and joined facts, read as a table in parallel
 * range queries or as a query; the password comes from an environment variable.
 */
class JdbcCrmTest {
  /** Set by the pom for the test JVM (surefire environmentVariables). */
  static final String PASSWORD_ENV = "SATLAKE_TEST_PG_PASSWORD";
  static final String[] CRM_ROWS = {"c1,north,4", "c2,south,2.5", "c2,east,1", "c3,west,lots", ",north,3"};

  @TempDir
  static Path dir;
  static PostgresServer postgres;
  static Path responses;
  static Path csvCrm;

  @BeforeAll
  static void startPostgres() throws Exception {
    responses = TestInputs.csv(dir, "responses",
        "response_id,customer_id,survey_date,channel,nps,csat,ces,dim_quality,complaint_category,comment",
        "r1,c1,2025-01-15,web,10,5,2,7,,",
        "r2,c2,2025-01-16,app,6,3,5,3,billing,",
        "r3,c3,2025-01-17,web,8,4,3,5,,",
        "r4,c9,2025-01-18,store,9,5,1,6,,");
    String[] csv = new String[CRM_ROWS.length + 1];
    csv[0] = "customer_id,region,visits";
    System.arraycopy(CRM_ROWS, 0, csv, 1, CRM_ROWS.length);
    csvCrm = TestInputs.csv(dir, "crm", csv);
    postgres = PostgresServer.start(System.getenv(PASSWORD_ENV));
    // visits is text in the database, so a non-number can reach validation as in CSV
    try (Connection c = postgres.connect(); Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA crm");
      s.execute("CREATE TABLE crm.customers (id integer PRIMARY KEY, customer_id text, region text, visits text)");
      for (int i = 0; i < CRM_ROWS.length; i++) {
        String[] f = CRM_ROWS[i].split(",", -1);
        s.execute("INSERT INTO crm.customers VALUES (" + (i + 1) + ", "
            + (f[0].isEmpty() ? "NULL" : "'" + f[0] + "'") + ", '" + f[1] + "', '" + f[2] + "')");
      }
    }
  }

  @AfterAll
  static void stopPostgres() {
    if (postgres != null) {
      postgres.close();
    }
  }

  static Settings jdbcSettings(String... jdbcOverrides) {
    String[] overrides = new String[jdbcOverrides.length + 4];
    overrides[0] = "inputs.crm.format=jdbc";
    overrides[1] = "inputs.crm.jdbc.url=" + postgres.url();
    overrides[2] = "inputs.crm.jdbc.user=" + PostgresServer.USER;
    overrides[3] = "inputs.crm.jdbc.password-env=" + PASSWORD_ENV;
    System.arraycopy(jdbcOverrides, 0, overrides, 4, jdbcOverrides.length);
    return TestInputs.small(responses, csvCrm, dir.resolve("wh"), overrides);
  }

  static Dataset<Row> classifiedCrm(Settings settings) {
    return CrmValidator.classify(Sources.crm(SharedSpark.spark(), settings, List.of("region")), settings,
        List.of("region")).select("customer_id", "region", "visits", "reason", "detail", "record_key", "raw_record");
  }

  @Test
  void tableReadInParallelGivesTheRowsAndReasonsOfTheSameCsv() {
    Settings jdbc = jdbcSettings("inputs.crm.jdbc.table=crm.customers", "inputs.crm.jdbc.partition-column=id",
        "inputs.crm.jdbc.lower-bound=1", "inputs.crm.jdbc.upper-bound=5", "inputs.crm.jdbc.num-partitions=3");
    Dataset<Row> raw = Sources.crm(SharedSpark.spark(), jdbc, List.of("region"));
    assertEquals(3, raw.rdd().getNumPartitions(), "three range queries on id");

    Dataset<Row> fromJdbc = classifiedCrm(jdbc);
    // by hand: c1 and the first c2 pass; the second c2 repeats a key, c3's visits is not a number,
    // the last row has no key
    Map<String, Long> reasons = new TreeMap<>();
    ResponseValidator.split(fromJdbc).rejected().groupBy("reason").count().collectAsList()
        .forEach(r -> reasons.put(r.getString(0), r.getLong(1)));
    assertEquals(Map.of("DUPLICATE_CUSTOMER_ID", 1L, "MALFORMED_RECORD", 1L, "MISSING_CUSTOMER_ID", 1L), reasons);
    assertEquals(List.of("c1", "c2"), ResponseValidator.split(fromJdbc).accepted().orderBy("customer_id")
        .select("customer_id").as(org.apache.spark.sql.Encoders.STRING()).collectAsList());
    // and row for row what the CSV source gives, raw records included
    SharedSpark.base().assertDataFrameNoOrderEquals(classifiedCrm(TestInputs.small(responses, csvCrm, dir.resolve("wh"))),
        fromJdbc);
  }

  @Test
  void queryJoinsExactlyLikeTheCsvCrm() {
    Settings jdbc = jdbcSettings("inputs.crm.jdbc.query=SELECT customer_id, region, visits FROM crm.customers ORDER BY id");
    SatisfactionPipeline.Analysis fromJdbc = TestInputs.analyse(jdbc);
    SatisfactionPipeline.Analysis fromCsv = TestInputs.analyse(TestInputs.small(responses, csvCrm, dir.resolve("wh")));
    SharedSpark.base().assertDataFrameNoOrderEquals(fromCsv.facts(), fromJdbc.facts());
    // r1 (c1) and r2 (c2) match; r3's customer c3 was rejected, r4's c9 is unknown
    assertEquals(2, fromJdbc.facts().filter("crm_matched").count());
    assertEquals(4, fromJdbc.facts().count());
  }

  @Test
  void aLoginFailureIsBadInputAndNeverShowsThePassword() {
    Settings wrongUser = jdbcSettings("inputs.crm.jdbc.table=crm.customers", "inputs.crm.jdbc.user=nobody");
    SatlakeException e = assertThrows(SatlakeException.class,
        () -> Sources.crm(SharedSpark.spark(), wrongUser, List.of("region")));
    assertEquals(SatlakeException.ExitCode.BAD_INPUT, e.exitCode());
    assertTrue(e.getMessage().startsWith("satlake.inputs.crm.jdbc: cannot read table crm.customers"), e.getMessage());
    assertFalse(e.getMessage().contains(System.getenv(PASSWORD_ENV)), e.getMessage());
  }

  @Test
  void jdbcConfigProblemsAreReportedTogetherWithTheirKeys() {
    SatlakeException e = assertThrows(SatlakeException.class, () -> TestInputs.small(responses, csvCrm,
        dir.resolve("wh"), "inputs.crm.format=jdbc", "inputs.crm.jdbc.url=postgresql://db/crm",
        "inputs.crm.jdbc.table=t", "inputs.crm.jdbc.query=SELECT 1", "inputs.crm.jdbc.password-env=hunter2!",
        "inputs.crm.jdbc.partition-column=id", "inputs.responses.format=jdbc"));
    assertEquals(SatlakeException.ExitCode.USAGE_OR_CONFIG, e.exitCode());
    for (String problem : List.of("satlake.inputs.crm.jdbc.url: must start with jdbc:",
        "satlake.inputs.crm.jdbc: set exactly one of table and query",
        "satlake.inputs.crm.jdbc.password-env: must name an environment variable",
        "satlake.inputs.crm.jdbc: partition-column, lower-bound and upper-bound are set together",
        "satlake.inputs.responses.format: jdbc is supported for the CRM only")) {
      assertTrue(e.getMessage().contains(problem), problem + " in " + e.getMessage());
    }
    SatlakeException unset = assertThrows(SatlakeException.class, () -> TestInputs.small(responses, csvCrm,
        dir.resolve("wh"), "inputs.crm.format=jdbc", "inputs.crm.jdbc.url=jdbc:postgresql://db/crm",
        "inputs.crm.jdbc.table=t", "inputs.crm.jdbc.password-env=SATLAKE_NO_SUCH_VARIABLE"));
    assertTrue(unset.getMessage().contains(
        "satlake.inputs.crm.jdbc.password-env: environment variable SATLAKE_NO_SUCH_VARIABLE is not set"),
        unset.getMessage());
  }
}
