package io.satlake.quality;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.satlake.testing.TestInputs;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.catalyst.plans.logical.BROADCAST$;
import org.apache.spark.sql.catalyst.plans.logical.HintInfo;
import org.apache.spark.sql.catalyst.plans.logical.Join;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.Option;
import scala.collection.JavaConverters;

/**
 * How the duplicate check enters the plan (policy reject, so it reads the CRM too): not at all
 * with no repeated id, broadcast while at most {@code duplicates-broadcast-max-ids} ids repeat,
 * and with no broadcast forced above that, so the driver never holds more ids than the setting.
 */
class RepeatedIdsPlanTest {
  @TempDir
  static Path dir;
  static Path crm;
  static final String HEADER =
      "response_id,customer_id,survey_date,channel,nps,csat,ces,dim_quality,complaint_category,comment";

  @BeforeAll
  static void inputs() {
    crm = TestInputs.csv(dir, "crm", "customer_id,region,visits", "c1,north,4", "c2,south,2");
  }

  private static List<Join> joins(Path responses, int broadcastMaxIds) {
    LogicalPlan plan = TestInputs.analyse(TestInputs.small(responses, crm, dir.resolve("wh"),
            "unmatched-customer-policy=reject", "duplicates-broadcast-max-ids=" + broadcastMaxIds))
        .responses().queryExecution().optimizedPlan();
    List<Join> joins = new ArrayList<>();
    collectJoins(plan, joins);
    return joins;
  }

  private static void collectJoins(LogicalPlan plan, List<Join> joins) {
    if (plan instanceof Join join) {
      joins.add(join);
    }
    JavaConverters.seqAsJavaList(plan.children()).forEach(child -> collectJoins(child, joins));
  }

  private static List<Join> onRepeatedKey(List<Join> joins) {
    return joins.stream().filter(j -> j.condition().isDefined()
        && j.condition().get().references().toSeq().mkString().contains("repeated_key")).toList();
  }

  private static boolean broadcastsRight(Join join) {
    Option<HintInfo> right = join.hint().rightHint();
    return right.isDefined() && right.get().strategy().isDefined()
        && right.get().strategy().get() == BROADCAST$.MODULE$;
  }

  @Test
  void noRepeatedIdLeavesOnlyTheCrmJoin() {
    Path unique = TestInputs.csv(dir, "unique", HEADER,
        "a1,c1,2025-01-15,web,9,,,,,", "a2,c9,2025-01-16,web,3,,,,,", "a3,c2,2025-01-17,web,7,,,,,");

    List<Join> joins = joins(unique, 100_000);

    assertEquals(1, joins.size(), joins.toString());
    assertEquals("LeftOuter", joins.get(0).joinType().toString());
  }

  @Test
  void repeatedIdsUpToTheLimitAreBroadcastAndAboveItNot() {
    Path repeated = TestInputs.csv(dir, "repeated", HEADER,
        "a1,c1,2025-01-15,web,9,,,,,", "a1,c2,2025-01-16,web,3,,,,,",
        "a2,c1,2025-01-15,web,9,,,,,", "a2,c9,2025-01-16,web,3,,,,,", "a3,c2,2025-01-17,web,7,,,,,");

    // The ids that repeat (semi join), then the first valid copy of each (left join).
    List<Join> atLimit = onRepeatedKey(joins(repeated, 2));
    assertEquals(2, atLimit.size(), atLimit.toString());
    atLimit.forEach(j -> assertTrue(broadcastsRight(j), j.toString()));

    List<Join> aboveLimit = onRepeatedKey(joins(repeated, 1));
    assertEquals(2, aboveLimit.size(), aboveLimit.toString());
    aboveLimit.forEach(j -> assertTrue(j.hint().leftHint().isEmpty() && j.hint().rightHint().isEmpty(), j.toString()));
  }
}
