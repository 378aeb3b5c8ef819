package io.satlake.quality;

import static io.satlake.testing.SharedSpark.assertRows;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.satlake.SatisfactionPipeline;
import io.satlake.testing.TestInputs;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Copies of a response id whose customers differ in being in the CRM: with policy reject an
 * unmatched copy fails a rule, so it never displaces a matched one; with keep nothing changes.
 */
class UnmatchedDuplicatesTest {
  @TempDir
  static Path dir;
  static Path responses;
  static Path crm;
  /** Rows in {@link #responses}, counted by hand. */
  static final long READ = 15;

  @BeforeAll
  static void inputs() {
    responses = TestInputs.csv(dir, "responses",
        "response_id,customer_id,survey_date,channel,nps,csat,ces,dim_quality,complaint_category,comment",
        "u1,c9,2025-01-15,web,1,,,,,", // unmatched first copy ...
        "u1,c1,2025-01-16,web,2,,,,,", // ... then a matched one
        "m1,c1,2025-01-15,web,3,,,,,", // two matched copies
        "m1,c2,2025-01-16,web,4,,,,,",
        "x1,c1,2025-01-15,web,5,,,,,", // matched first copy, then an unmatched one
        "x1,c9,2025-01-16,web,6,,,,,",
        "z1,c8,2025-01-15,web,7,,,,,", // two unmatched copies
        "z1,c9,2025-01-16,web,8,,,,,",
        "s1,c9,2025-01-15,web,11,,,,,", // out of range (and unmatched), then a matched copy
        "s1,c1,2025-01-16,web,9,,,,,",
        "t1,c9,2025-01-15,web,10,,,,,", // unmatched, then two matched copies
        "t1,c1,2025-01-16,web,0,,,,,",
        "t1,c2,2025-01-17,web,1,,,,,",
        "r1,c1,2025-01-15,web,2,,,,,", // unique, matched
        "n1,c9,2025-01-15,web,3,,,,,"); // unique, unmatched
    crm = TestInputs.csv(dir, "crm", "customer_id,region,visits", "c1,north,4", "c2,south,2");
  }

  /**
   * @param broadcastMaxIds 6 or more: the 6 repeated ids are broadcast; fewer: matched by shuffles
   *     (see {@link RepeatedIdsPlanTest}). Either way the outcome is the same.
   */
  private static SatisfactionPipeline.Analysis analyse(String policy, int broadcastMaxIds) {
    return TestInputs.analyse(TestInputs.small(responses, crm, dir.resolve("wh"),
        "unmatched-customer-policy=" + policy, "duplicates-broadcast-max-ids=" + broadcastMaxIds));
  }

  @ParameterizedTest
  @ValueSource(ints = {5, 6})
  void rejectKeepsTheFirstMatchedCopy(int broadcastMaxIds) {
    Validated rows = ResponseValidator.split(analyse("reject", broadcastMaxIds).responses());

    assertRows(rows.rejected().select("record_key", "reason", "detail"),
        new Object[] {"u1", "UNMATCHED_CUSTOMER", "customer_id not in CRM"},
        new Object[] {"m1", "DUPLICATE_RESPONSE_ID", "response_id=m1"},
        new Object[] {"x1", "UNMATCHED_CUSTOMER", "customer_id not in CRM"},
        new Object[] {"z1", "UNMATCHED_CUSTOMER", "customer_id not in CRM"},
        new Object[] {"z1", "UNMATCHED_CUSTOMER", "customer_id not in CRM"},
        new Object[] {"s1", "SCORE_OUT_OF_RANGE", "nps=11"},
        new Object[] {"t1", "UNMATCHED_CUSTOMER", "customer_id not in CRM"},
        new Object[] {"t1", "DUPLICATE_RESPONSE_ID", "response_id=t1"},
        new Object[] {"n1", "UNMATCHED_CUSTOMER", "customer_id not in CRM"});
    assertRows(rows.accepted().select("response_id", "customer_id", "nps", "crm_matched"),
        new Object[] {"u1", "c1", 2, true},
        new Object[] {"m1", "c1", 3, true},
        new Object[] {"x1", "c1", 5, true},
        new Object[] {"s1", "c1", 9, true},
        new Object[] {"t1", "c1", 0, true},
        new Object[] {"r1", "c1", 2, true});
    assertEquals(READ, rows.accepted().count() + rows.rejected().count());
  }

  @ParameterizedTest
  @ValueSource(ints = {5, 6})
  void keepJudgesDuplicatesWithoutTheCrm(int broadcastMaxIds) {
    Validated rows = ResponseValidator.split(analyse("keep", broadcastMaxIds).responses());

    assertRows(rows.rejected().select("record_key", "reason", "detail"),
        new Object[] {"u1", "DUPLICATE_RESPONSE_ID", "response_id=u1"},
        new Object[] {"m1", "DUPLICATE_RESPONSE_ID", "response_id=m1"},
        new Object[] {"x1", "DUPLICATE_RESPONSE_ID", "response_id=x1"},
        new Object[] {"z1", "DUPLICATE_RESPONSE_ID", "response_id=z1"},
        new Object[] {"s1", "SCORE_OUT_OF_RANGE", "nps=11"},
        new Object[] {"t1", "DUPLICATE_RESPONSE_ID", "response_id=t1"},
        new Object[] {"t1", "DUPLICATE_RESPONSE_ID", "response_id=t1"});
    assertRows(rows.accepted().select("response_id", "customer_id", "nps", "crm_matched"),
        new Object[] {"u1", "c9", 1, false},
        new Object[] {"m1", "c1", 3, true},
        new Object[] {"x1", "c1", 5, true},
        new Object[] {"z1", "c8", 7, false},
        new Object[] {"s1", "c1", 9, true},
        new Object[] {"t1", "c9", 10, false},
        new Object[] {"r1", "c1", 2, true},
        new Object[] {"n1", "c9", 3, false});
    assertEquals(READ, rows.accepted().count() + rows.rejected().count());
  }
}
