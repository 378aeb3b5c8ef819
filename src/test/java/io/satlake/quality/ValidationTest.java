package io.satlake.quality;

import static io.satlake.testing.SharedSpark.assertRows;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.satlake.SatisfactionPipeline;
import io.satlake.config.Settings;
import io.satlake.io.Sources;
import io.satlake.testing.SharedSpark;
import io.satlake.testing.TestInputs;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** One hand-made input row per reason code, through the real CSV source and the join. */
class ValidationTest {
  @TempDir
  static Path dir;
  static Path responses;
  static Path crm;

  @BeforeAll
  static void inputs() {
    responses = TestInputs.csv(dir, "responses",
        "response_id,customer_id,survey_date,channel,nps,csat,ces,dim_quality,complaint_category,comment",
        "r1,c1,2025-01-15,web,10,5,2,7,,\"Great, \"\"really\"\" 很好\"",
        "r2,c1,2025-01-16,app,6,,,,billing,",
        ",c1,2025-01-17,web,8,4,3,5,,",
        "r4,  ,2025-01-17,web,8,4,3,5,,",
        "r5,c1,2025-02-30,web,8,4,3,5,,",
        "r6,c1,2025-01-17,web,11,4,3,5,,",
        "r7,c1,2025-01-17,web,8,4.5,3,5,,",
        "r8,c1,2025-01-17,web,,,,,,no scores at all",
        "r1,c1,2025-01-15,web,10,5,2,7,,",
        "r10,c1,2025-01-17,web,8",
        "r11,c9,2025-01-18,store,9,5,1,6,,",
        "r12,c2,2025-01-19,web,abc,5,1,6,,",
        "r13,c2,2025-01-19,web,9,5,1,0,,",
        "r14,c2,2025/01/19,web,9,5,1,6,,",
        "r15,c2,2025-01-20,app,7,3,4,4,,");
    crm = TestInputs.csv(dir, "crm",
        "customer_id,region,visits",
        "c1,north,4",
        "c2,south,2.5",
        "c2,east,1",
        "c3,west,lots",
        ",north,3");
  }

  private static Dataset<Row> reasons(SatisfactionPipeline.Analysis analysis) {
    return ResponseValidator.split(analysis.responses()).rejected().select("record_key", "reason", "detail");
  }

  @Test
  void everyRowIsAcceptedOrRejectedWithItsReason() {
    Settings settings = TestInputs.small(responses, crm, dir.resolve("wh"));
    SatisfactionPipeline.Analysis analysis = TestInputs.analyse(settings);

    assertRows(reasons(analysis),
            new Object[] {null, "MISSING_RESPONSE_ID", "response_id"},
            new Object[] {"r4", "MISSING_CUSTOMER_ID", "customer_id"},
            new Object[] {"r5", "INVALID_DATE", "survey_date=2025-02-30"},
            new Object[] {"r6", "SCORE_OUT_OF_RANGE", "nps=11"},
            new Object[] {"r7", "SCORE_OUT_OF_RANGE", "csat=4.5"},
            new Object[] {"r8", "NO_SCORES", "no nps, csat, ces or dimension rating"},
            new Object[] {"r1", "DUPLICATE_RESPONSE_ID", "response_id=r1"},
            new Object[] {"r10", "MALFORMED_RECORD", "could not be parsed"},
            new Object[] {"r12", "SCORE_OUT_OF_RANGE", "nps=abc"},
            new Object[] {"r13", "SCORE_OUT_OF_RANGE", "dim_quality=0"},
            new Object[] {"r14", "INVALID_DATE", "survey_date=2025/01/19"});

    // The raw record travels with rejected rows only: the fields as read, or the unparsable line.
    Map<String, String> rawRecords = new HashMap<>();
    ResponseValidator.split(analysis.responses()).rejected().collectAsList()
        .forEach(r -> rawRecords.put(r.getAs("record_key"), r.getAs("raw_record")));
    assertEquals("r10,c1,2025-01-17,web,8", rawRecords.get("r10"));
    assertTrue(rawRecords.get("r8").contains("\"comment\":\"no scores at all\""), rawRecords.get("r8"));
    // blank fields are in the record too, as null
    assertTrue(rawRecords.get("r8").contains("\"nps\":null,\"csat\":null"), rawRecords.get("r8"));
    assertTrue(rawRecords.get("r1").startsWith("{\"response_id\":\"r1\""), rawRecords.get("r1"));

    // Accepted: typed values, the first copy of r1 (with its comment), unmatched c9 kept as 'unknown'.
    assertRows(analysis.facts().select("response_id", "region", "nps", "csat", "visits", "crm_matched", "has_comment"),
            new Object[] {"r1", "north", 10, 5, 4.0, true, true},
            new Object[] {"r2", "north", 6, null, 4.0, true, false},
            new Object[] {"r11", "unknown", 9, 5, null, false, false},
            new Object[] {"r15", "south", 7, 3, 2.5, true, false});
  }

  /** 4 ids repeat: at most 3 broadcast means they are matched by shuffles; the outcome is the same. */
  @ParameterizedTest
  @ValueSource(ints = {3, 4})
  void anInvalidCopyNeverDisplacesAValidOne(int broadcastMaxIds) {
    Path copies = TestInputs.csv(dir, "copies",
        "response_id,customer_id,survey_date,channel,nps,csat,ces,dim_quality,complaint_category,comment",
        "d1,c1,2025-01-15,web,11,5,2,7,,", // invalid first copy ...
        "d1,c1,2025-01-16,web,9,5,2,7,,", // ... so this valid one is kept
        "d2,c1,2025-01-15,web,8,4,2,7,,", // kept: the first of three valid copies
        "d2,c1,2025-01-16,web,7,4,2,7,,",
        "d2,c1,2025-01-17,web,6,4,2,7,,",
        "d3,c1,2025-01-15,web,11,5,2,7,,", // two invalid copies: each keeps its own reason
        "d3,c1,2025-01-16,web,12,5,2,7,,",
        "d4,c1,2025-01-15,web,5,5,2,7,,", // a valid first copy, then an invalid one
        "d4,c1,2025-01-16,web,,,,,,",
        "d5,c1,2025-01-15,web,10,5,2,7,,"); // unique
    SatisfactionPipeline.Analysis analysis = TestInputs.analyse(TestInputs.small(copies, crm, dir.resolve("wh-copies"),
        "duplicates-broadcast-max-ids=" + broadcastMaxIds));

    assertRows(reasons(analysis),
            new Object[] {"d1", "SCORE_OUT_OF_RANGE", "nps=11"},
            new Object[] {"d2", "DUPLICATE_RESPONSE_ID", "response_id=d2"},
            new Object[] {"d2", "DUPLICATE_RESPONSE_ID", "response_id=d2"},
            new Object[] {"d3", "SCORE_OUT_OF_RANGE", "nps=11"},
            new Object[] {"d3", "SCORE_OUT_OF_RANGE", "nps=12"},
            new Object[] {"d4", "NO_SCORES", "no nps, csat, ces or dimension rating"});
    assertRows(analysis.facts().select("response_id", "nps"),
            new Object[] {"d1", 9},
            new Object[] {"d2", 8},
            new Object[] {"d4", 5},
            new Object[] {"d5", 10});
  }

  @Test
  void asciiWhitespaceIsTrimmedAndOnlyPlainDecimalScoresParse() {
    Path text = TestInputs.csv(dir, "text",
        "response_id,customer_id,survey_date,channel,nps,csat,ces,dim_quality,complaint_category,comment",
        "\t,c1,2025-01-15,web,9,,,,,", // a tab alone is blank
        "w1,c1,2025-01-15,web,9,,,,,",
        "w1\t,c1,2025-01-16,web,8,,,,,", // w1 once trimmed
        "w2,c1\t,2025-01-15,web, 8 ,,,,,", // c1 once trimmed, so it joins the CRM's c1
        "w3,c1,2025-01-15,web,\u000B7.0\f,,,,,",
        "w4,c1,2025-01-15,web,1e1,+4,,.7e1,,",
        "w5,c1,2025-01-15,web,7d,,,,,", // Java's double suffix, read as 7 by a cast
        "w6,c1,2025-01-15,web,0x1p3,,,,,", // a Java hex float, read as 8 by a cast
        "w7,c1,2025-01-15,web,NaN,,,,,",
        "w8,c1,2025-01-15,web,Infinity,,,,,",
        "w9,c1,2025-01-15,web,\"1,0\",,,,,");
    SatisfactionPipeline.Analysis analysis = TestInputs.analyse(TestInputs.small(text, crm, dir.resolve("wh-text")));

    assertRows(reasons(analysis),
        new Object[] {null, "MISSING_RESPONSE_ID", "response_id"},
        new Object[] {"w1", "DUPLICATE_RESPONSE_ID", "response_id=w1"},
        new Object[] {"w5", "SCORE_OUT_OF_RANGE", "nps=7d"},
        new Object[] {"w6", "SCORE_OUT_OF_RANGE", "nps=0x1p3"},
        new Object[] {"w7", "SCORE_OUT_OF_RANGE", "nps=NaN"},
        new Object[] {"w8", "SCORE_OUT_OF_RANGE", "nps=Infinity"},
        new Object[] {"w9", "SCORE_OUT_OF_RANGE", "nps=1,0"});
    assertRows(analysis.facts().select("response_id", "customer_id", "crm_matched", "nps", "csat", "dim_quality"),
        new Object[] {"w1", "c1", true, 9, null, null},
        new Object[] {"w2", "c1", true, 8, null, null},
        new Object[] {"w3", "c1", true, 7, null, null},
        new Object[] {"w4", "c1", true, 10, 4, 7});
  }

  /** The CRM source, classified and split into accepted and rejected rows. */
  private static Validated crmRows(Settings settings) {
    Dataset<Row> raw = Sources.crm(SharedSpark.spark(), settings, List.of("region"));
    return ResponseValidator.split(CrmValidator.classify(raw, settings, List.of("region")));
  }

  @Test
  void crmNumbersInTextMustBeFinitePlainDecimals() {
    Path text = TestInputs.csv(dir, "crm-text",
        "customer_id,region,visits",
        "c1,north,4",
        "c2,north,NaN",
        "c3,north,Infinity",
        "c4,north,-Infinity",
        "c5,north,1e999", // plain, but beyond a double: Infinity
        "c6,north,7d",
        "c7,north,\t2.5e0 ",
        "c8,north,",
        "c9,north,4\u2028"); // U+2028 is not ASCII whitespace, so not trimmed
    Validated rows = crmRows(TestInputs.small(responses, text, dir.resolve("wh")));
    assertRows(rows.rejected().select("record_key", "reason", "detail"),
        new Object[] {"c2", "MALFORMED_RECORD", "visits=NaN"},
        new Object[] {"c3", "MALFORMED_RECORD", "visits=Infinity"},
        new Object[] {"c4", "MALFORMED_RECORD", "visits=-Infinity"},
        new Object[] {"c5", "MALFORMED_RECORD", "visits=1e999"},
        new Object[] {"c6", "MALFORMED_RECORD", "visits=7d"},
        new Object[] {"c9", "MALFORMED_RECORD", "visits=4\u2028"});
    assertRows(rows.accepted().select("customer_id", "visits"),
        new Object[] {"c1", 4.0},
        new Object[] {"c7", 2.5},
        new Object[] {"c8", null});
  }

  @Test
  void typedCrmDoublesMustBeFinite() {
    StructType schema = new StructType().add("customer_id", DataTypes.StringType)
        .add("region", DataTypes.StringType).add("visits", DataTypes.DoubleType);
    Path parquet = dir.resolve("crm-parquet");
    SharedSpark.spark().createDataFrame(List.of(
        RowFactory.create("c1", "north", 4.0),
        RowFactory.create("c2", "north", Double.NaN),
        RowFactory.create("c3", "north", Double.POSITIVE_INFINITY),
        RowFactory.create("c4", "north", Double.NEGATIVE_INFINITY),
        RowFactory.create("c5", "north", null)), schema).write().parquet(parquet.toString());
    Validated rows = crmRows(TestInputs.small(responses, parquet, dir.resolve("wh"), "inputs.crm.format=parquet"));
    assertRows(rows.rejected().select("record_key", "reason", "detail"),
        new Object[] {"c2", "MALFORMED_RECORD", "visits=NaN"},
        new Object[] {"c3", "MALFORMED_RECORD", "visits=Infinity"},
        new Object[] {"c4", "MALFORMED_RECORD", "visits=-Infinity"});
    assertRows(rows.accepted().select("customer_id", "visits"),
        new Object[] {"c1", 4.0},
        new Object[] {"c5", null});
  }

  /** One customer id repeats (and one response id): 0 broadcast means shuffles; the outcome is the same. */
  @ParameterizedTest
  @ValueSource(ints = {0, 1})
  void crmRowsAreValidatedAndDeduplicated(int broadcastMaxIds) {
    Settings settings = TestInputs.small(responses, crm, dir.resolve("wh"), "duplicates-broadcast-max-ids=" + broadcastMaxIds);
    SatisfactionPipeline.Analysis analysis = TestInputs.analyse(settings);
    assertRows(ResponseValidator.split(analysis.crm()).rejected().select("record_key", "reason", "detail"),
            new Object[] {"c2", "DUPLICATE_CUSTOMER_ID", "customer_id=c2"},
            new Object[] {"c3", "MALFORMED_RECORD", "visits=lots"},
            new Object[] {null, "MISSING_CUSTOMER_ID", "customer_id"});
    // the first c2 (south, 2.5) is the one joined
    assertEquals(List.of("south"), analysis.facts().filter("customer_id = 'c2'").select("region").as(
        org.apache.spark.sql.Encoders.STRING()).distinct().collectAsList());
  }

  @Test
  void rejectPolicyRejectsUnmatchedCustomers() {
    Settings settings = TestInputs.small(responses, crm, dir.resolve("wh"), "unmatched-customer-policy=reject");
    SatisfactionPipeline.Analysis analysis = TestInputs.analyse(settings);
    assertEquals(1, reasons(analysis).filter("reason = 'UNMATCHED_CUSTOMER' AND record_key = 'r11'").count());
    assertEquals(List.of("r1", "r15", "r2"), analysis.facts().select("response_id").orderBy("response_id")
        .as(org.apache.spark.sql.Encoders.STRING()).collectAsList());
  }

  @Test
  void periodStartFollowsTheConfiguredGrain() {
    Path dated = TestInputs.csv(dir, "dated",
        "response_id,customer_id,survey_date,channel,nps,csat,ces,dim_quality,complaint_category,comment",
        "d1,c1,2024-02-29,web,9,5,2,7,,", "d2,c1,2025-03-31,web,9,5,2,7,,", "d3,c1,2025-05-01,web,9,5,2,7,,",
        "d4,c1,2025-12-31,web,9,5,2,7,,");
    for (String grain : List.of("month", "quarter")) {
      Settings settings = TestInputs.small(dated, crm, dir.resolve("wh"), "period-grain=" + grain);
      boolean month = grain.equals("month");
      assertRows(TestInputs.analyse(settings).facts().select("response_id", "period_start"),
          new Object[] {"d1", java.sql.Date.valueOf(month ? "2024-02-01" : "2024-01-01")},
          new Object[] {"d2", java.sql.Date.valueOf(month ? "2025-03-01" : "2025-01-01")},
          new Object[] {"d3", java.sql.Date.valueOf(month ? "2025-05-01" : "2025-04-01")},
          new Object[] {"d4", java.sql.Date.valueOf(month ? "2025-12-01" : "2025-10-01")});
    }
  }

  @Test
  void jsonLinesAndTimestampPatternsAreValidatedToo() throws java.io.IOException {
    Path json = java.nio.file.Files.createDirectories(dir.resolve("json"));
    java.nio.file.Files.writeString(json.resolve("part.json"), String.join("\n",
        "{\"response_id\": \"j1\", \"customer_id\": \"c1\", \"responded_at\": \"2025-01-02T08:30:00\", \"nps\": 9}",
        "{\"response_id\": \"j2\", \"customer_id\": \"c1\", \"responded_at\": \"2025-01-02\", \"nps\": 9}",
        "{\"response_id\": \"j3\", \"customer_id\": \"c1\", \"responded_at\": \"2025-01-03T09:00:00\", \"nps\": 12}",
        "{\"response_id\": \"j4\", \"customer_id\": ",
        "{\"response_id\": \"j5\", \"customer_id\": \"c2\", \"responded_at\": \"2025-01-04T10:00:00\", \"nps\": \"7\"}")
        + "\n");
    Settings settings = TestInputs.small(json, crm, dir.resolve("wh"), "inputs.responses.format=json",
        "inputs.responses.columns.survey_date=responded_at", "inputs.responses.date-format=\"yyyy-MM-dd'T'HH:mm:ss\"",
        "dimensions=[]");
    SatisfactionPipeline.Analysis analysis = TestInputs.analyse(settings);
    assertRows(reasons(analysis),
        new Object[] {"j2", "INVALID_DATE", "survey_date=2025-01-02"},
        new Object[] {"j3", "SCORE_OUT_OF_RANGE", "nps=12"},
        new Object[] {null, "MALFORMED_RECORD", "could not be parsed"});
    assertRows(analysis.facts().select("response_id", "survey_date", "nps"),
        new Object[] {"j1", java.sql.Date.valueOf("2025-01-02"), 9},
        new Object[] {"j5", java.sql.Date.valueOf("2025-01-04"), 7});
  }

  @Test
  void windowKeepsOnlyResponsesInsideIt() {
    Settings settings = TestInputs.small(responses, crm, dir.resolve("wh"),
        "window.mode=explicit", "window.start=2025-01-16", "window.end=2025-01-17");
    SatisfactionPipeline.Analysis analysis = TestInputs.analyse(settings);
    assertEquals(List.of("r2"), analysis.facts().select("response_id")
        .as(org.apache.spark.sql.Encoders.STRING()).collectAsList());
  }
}
