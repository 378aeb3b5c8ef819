package io.satlake.quality;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.satlake.SatisfactionPipeline;
import io.satlake.config.Settings;
import io.satlake.testing.TestInputs;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A configured extra target score: validated against its scale, carried into the facts. */
class ExtraTargetValidationTest {
  @TempDir
  static Path dir;

  private static SatisfactionPipeline.Analysis analyse(Path responses) {
    Path crm = TestInputs.csv(dir, "crm", "customer_id,region,visits", "c1,north,4");
    Settings s = TestInputs.small(responses, crm, dir.resolve("wh"), "importance.extra-targets={overall_rating=[0, 100]}");
    return TestInputs.analyse(s);
  }

  @Test
  void outOfScaleValuesAreRejectedAndValidOnesCarried() {
    Path responses = TestInputs.csv(dir, "with",
        "response_id,customer_id,survey_date,channel,nps,csat,ces,dim_quality,complaint_category,comment,overall_rating",
        "r1,c1,2025-01-15,web,9,,,,,,72.5",
        "r2,c1,2025-01-15,web,9,,,,,,101",
        "r3,c1,2025-01-15,web,9,,,,,,",
        "r4,c1,2025-01-15,web,9,,,,,,good",
        "r5,c1,2025-01-15,web,,,,,,,80");
    SatisfactionPipeline.Analysis analysis = analyse(responses);
    Map<String, String> rejected = new TreeMap<>();
    for (Row r : ResponseValidator.split(analysis.responses()).rejected().collectAsList()) {
      rejected.put(r.getAs("record_key"), r.getAs("reason") + " " + r.getAs("detail"));
    }
    assertEquals(Map.of("r2", "SCORE_OUT_OF_RANGE overall_rating=101", "r4", "SCORE_OUT_OF_RANGE overall_rating=good",
        "r5", "NO_SCORES no nps, csat, ces or dimension rating"), rejected);
    Map<String, Object> ratings = new TreeMap<>();
    analysis.facts().select("response_id", "overall_rating").collectAsList()
        .forEach(r -> ratings.put(r.getString(0), r.get(1)));
    assertEquals(2, ratings.size());
    assertEquals(72.5, ratings.get("r1"));
    assertTrue(ratings.containsKey("r3") && ratings.get("r3") == null);
  }

  @Test
  void aSourceWithoutTheColumnReadsNull() {
    Path responses = TestInputs.csv(dir, "without", "response_id,customer_id,survey_date,channel,nps,csat,ces,dim_quality,complaint_category,comment",
        "r1,c1,2025-01-15,web,9,,,,,");
    List<Row> facts = analyse(responses).facts().select("overall_rating").collectAsList();
    assertEquals(1, facts.size());
    assertTrue(facts.get(0).isNullAt(0));
  }
}
