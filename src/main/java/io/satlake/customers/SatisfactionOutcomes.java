package io.satlake.customers;

import static org.apache.spark.sql.functions.any_value;
import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.count_if;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.log;
import static org.apache.spark.sql.functions.max_by;
import static org.apache.spark.sql.functions.shiftleft;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.unix_date;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import io.satlake.config.Identifiers;
import io.satlake.config.Settings;
import io.satlake.config.Settings.Customers;
import io.satlake.enrich.CrmEnricher;
import io.satlake.io.OutputTables;
import io.satlake.metrics.Stats;
import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * satisfaction_outcomes and the satisfaction figures of segment_profiles, from one extra pass over
 * the responses: the window's CRM-matched responses are collapsed to one row per customer (its
 * latest NPS answer, latest CSAT answer and latest satisfaction index, by survey_date then
 * response_id, plus its response counts), and one aggregation over those customer rows yields
 * every group's counts and sums. The pass is needed because no other stage groups by customer;
 * both tables share it.
 *
 * <p>Unit: the customer, so a customer who answered ten times counts once in churn and spend
 * figures. The profiles' NPS and CSAT are response-level (the per-customer counts summed per
 * cluster), exactly what segment_scores shows for behaviour_cluster.
 */
public final class SatisfactionOutcomes {
  private static final Logger LOG = LoggerFactory.getLogger("satlake");
  public static final String CHURN_RATE = "churn_rate";
  public static final String MEAN_SPEND = "mean_spend";
  public static final String MEAN_VISITS = "mean_visits";
  public static final String SPEND_ELASTICITY = "spend_elasticity";
  private static final List<String> NPS_GROUPS = List.of("promoter", "passive", "detractor");
  private static final List<String> CSAT_BANDS = List.of("1-2", "3", "4-5");
  private static final String ALL = "all";
  /** Low bits of a response's ordering key holding its id's hash; the date (epoch day) sits above. */
  private static final int HASH_BITS = 40;

  private SatisfactionOutcomes() {}

  public record Tables(Dataset<Row> outcomes, Dataset<Row> profiles) {}

  /**
   * @param facts accepted, enriched responses of the window (with the customer attributes)
   * @param clustering the fitted clusters, or null when clustering was skipped
   */
  public static Tables compute(Dataset<Row> facts, CustomerSegments.Clustering clustering, Settings settings,
      LocalDate runDate, String runId) {
    Map<String, Row> groups = new HashMap<>();
    for (Row r : aggregate(perCustomer(facts, settings)).collectAsList()) { // ~10 + k rows
      groups.put(r.getString(0) + "/" + r.getString(1), r);
    }
    Customers c = settings.customers();
    Map<String, String> unavailable = new HashMap<>();
    unavailable.put(CHURN_RATE, why(facts, c.churnedColumn(), Customers.CHURNED, "churned-column"));
    unavailable.put(MEAN_SPEND, why(facts, c.spendColumn(), c.spendColumn(), "spend-column"));
    unavailable.put(MEAN_VISITS, why(facts, c.visitsColumn(), c.visitsColumn(), "visits-column"));
    unavailable.put(SPEND_ELASTICITY, unavailable.get(MEAN_SPEND));
    unavailable.forEach((measure, reason) -> {
      if (reason != null) {
        LOG.warn("satisfaction_outcomes: {} is NULL: {}", measure, reason);
      }
    });
    Finisher f = new Finisher(Date.valueOf(runDate), runId, settings.minN(), unavailable, c);
    List<Row> rows = new ArrayList<>();
    f.groupRows(rows, "nps_group", NPS_GROUPS, groups, "promoter", "detractor");
    f.groupRows(rows, "csat_band", CSAT_BANDS, groups, "4-5", "1-2");
    rows.add(f.elasticity(groups.get(ALL + "/" + ALL)));
    List<Row> profiles = new ArrayList<>();
    if (clustering != null) {
      clustering.clusters().forEach(cluster -> profiles.add(profileRow(cluster, clustering,
          groups.get(Customers.CLUSTER + "/" + cluster.id()), settings.minN(), runDate, runId)));
    }
    return new Tables(facts.sparkSession().createDataFrame(rows, OutputTables.SATISFACTION_OUTCOMES_SPEC.schema()),
        facts.sparkSession().createDataFrame(profiles, OutputTables.segmentProfiles(settings).schema()));
  }

  /** NULL when the figure can be computed, else why not (for the log and the note column). */
  private static String why(Dataset<Row> facts, String configured, String factsColumn, String key) {
    if (configured == null) {
      return "satlake.customers." + key + " is null";
    }
    return List.of(facts.columns()).contains(factsColumn) ? null
        : "the CRM has no column '" + configured + "' (satlake.customers." + key + ")";
  }

  /**
   * One row per CRM-matched customer with a response in the window: latest nps, csat and
   * satisfaction index (each from the latest response carrying it), response counts, attributes.
   */
  static Dataset<Row> perCustomer(Dataset<Row> facts, Settings settings) {
    Customers c = settings.customers();
    Column[] aggregates = {
        latest("nps").as("nps"), latest("csat").as("csat"), latest(Settings.SATISFACTION_INDEX).as("idx"),
        count(col("nps")).as("nps_n"), count_if(col("nps").geq(9)).as("promoters"),
        count_if(col("nps").leq(6)).as("detractors"), count(col("csat")).as("csat_n"),
        count_if(col("csat").geq(4)).as("csat_top2"),
        attribute(facts, Customers.CHURNED, DataTypes.BooleanType).as("churned"),
        attribute(facts, c.spendColumn(), DataTypes.DoubleType).as("spend"),
        attribute(facts, c.visitsColumn(), DataTypes.DoubleType).as("visits"),
        // a cluster id is a small integer: as an int every aggregation buffer is fixed-width
        attribute(facts, Customers.CLUSTER, DataTypes.IntegerType).as("cluster")};
    // Fixed-width buffers keep this a hash aggregation; a string or struct buffer (as the max of
    // a struct holding the response id would be) makes Spark sort every response by customer.
    return facts.filter(col(CrmEnricher.MATCHED)).groupBy("customer_id")
        .agg(aggregates[0], Arrays.copyOfRange(aggregates, 1, aggregates.length))
        .withColumn("cluster", col("cluster").cast(DataTypes.StringType));
  }

  /**
   * The value of the customer's latest response that carries it: by survey_date, ties on one
   * date broken by a hash of the response id (deterministic); max_by skips NULL orderings.
   */
  private static Column latest(String score) {
    Column order = shiftleft(unix_date(col("survey_date")).cast(DataTypes.LongType), HASH_BITS)
        .plus(xxhash64(col("response_id")).bitwiseAND(lit((1L << HASH_BITS) - 1)));
    return max_by(col(score), when(col(score).isNotNull(), order));
  }

  /** A CRM attribute, the same on every response of the customer; NULL when not in the facts. */
  private static Column attribute(Dataset<Row> facts, String name, DataType type) {
    return name != null && List.of(facts.columns()).contains(name)
        ? any_value(col(Identifiers.quote(name)).cast(type)) : lit(null).cast(type);
  }

  /**
   * Every customer once per grouping (NPS group, CSAT band, cluster, all), then one aggregation
   * of counts and sums per (grouping, group).
   */
  static Dataset<Row> aggregate(Dataset<Row> customers) {
    Column npsGroup = when(col("nps").geq(9), "promoter").when(col("nps").geq(7), "passive")
        .when(col("nps").isNotNull(), "detractor");
    Column csatBand = when(col("csat").leq(2), "1-2").when(col("csat").equalTo(3), "3")
        .when(col("csat").geq(4), "4-5");
    Column groupings = array(
        struct(lit("nps_group").as("g"), npsGroup.as("v")),
        struct(lit("csat_band").as("g"), csatBand.as("v")),
        struct(lit(Customers.CLUSTER).as("g"), col("cluster").as("v")),
        struct(lit(ALL).as("g"), lit(ALL).as("v")));
    Column lnSpend = when(col("spend").gt(0), log(col("spend")));
    Column pair = lnSpend.isNotNull().and(col("idx").isNotNull());
    Column x = when(pair, col("idx"));
    Column y = when(pair, lnSpend);
    return customers.withColumn("grp", explode(groupings))
        .filter(col("grp.v").isNotNull())
        .groupBy(col("grp.g"), col("grp.v"))
        .agg(count(lit(1)).as("customers"),
            count(col("churned")).as("churn_n"), count_if(col("churned")).as("churned"),
            count(col("spend")).as("spend_n"), sum(col("spend")).as("spend_sum"),
            sum(col("spend").multiply(col("spend"))).as("spend_sq"),
            count(col("visits")).as("visits_n"), sum(col("visits")).as("visits_sum"),
            sum(col("visits").multiply(col("visits"))).as("visits_sq"),
            sum(col("nps_n")).as("nps_n"), sum(col("promoters")).as("promoters"),
            sum(col("detractors")).as("detractors"), sum(col("csat_n")).as("csat_n"),
            sum(col("csat_top2")).as("csat_top2"),
            count_if(pair).as("reg_n"), sum(x).as("sx"), sum(y).as("sy"), sum(x.multiply(x)).as("sxx"),
            sum(x.multiply(y)).as("sxy"), sum(y.multiply(y)).as("syy"));
  }

  /** Builds the outcome rows of one run from the aggregated groups. */
  private record Finisher(Date runDate, String runId, int minN, Map<String, String> unavailable, Customers config) {

    void groupRows(List<Row> rows, String grouping, List<String> values, Map<String, Row> groups, String high,
        String low) {
      for (String measure : List.of(CHURN_RATE, MEAN_SPEND, MEAN_VISITS)) {
        for (String value : values) {
          rows.add(single(grouping, value, measure, groups.get(grouping + "/" + value)));
        }
        rows.add(difference(grouping, measure, groups.get(grouping + "/" + high), groups.get(grouping + "/" + low),
            high + " - " + low));
      }
    }

    private Row single(String grouping, String value, String measure, Row g) {
      long n = n(g, measure);
      Object[] v = base(grouping, value, measure, n, null);
      String note = note(measure, n, n);
      if (note == null) {
        if (measure.equals(CHURN_RATE)) {
          Stats.Proportion p = Stats.wilson(g.getAs("churned"), n);
          fill(v, p.pct(), p.low(), p.high(), null, Double.NaN, Double.NaN, Double.NaN);
        } else {
          Stats.Mean m = mean(g, measure);
          fill(v, m.mean(), m.low(), m.high(), null, Double.NaN, Double.NaN, Double.NaN);
          note = Double.isNaN(m.low()) ? "one customer: no interval" : null;
        }
      }
      return finish(v, note, n > 0 && n < minN);
    }

    private Row difference(String grouping, String measure, Row a, Row b, String label) {
      long na = n(a, measure);
      long nb = n(b, measure);
      Object[] v = base(grouping, label, measure, na, nb);
      String note = note(measure, na, nb);
      if (note == null) {
        Stats.Difference d;
        String test;
        if (measure.equals(CHURN_RATE)) {
          d = Stats.twoProportions(a.getAs("churned"), na, b.getAs("churned"), nb);
          test = "two_proportion_z";
        } else {
          d = Stats.welchDifference(mean(a, measure), mean(b, measure));
          test = "welch_t";
        }
        fill(v, d.estimate(), d.low(), d.high(), test, d.statistic(), d.df(), d.pValue());
        if (Double.isNaN(d.statistic())) {
          note = Math.min(na, nb) < 2 ? "one customer on a side: no test" : "no spread on either side: nothing to test";
        }
      }
      return finish(v, note, Math.min(na, nb) > 0 && Math.min(na, nb) < minN);
    }

    /** % change in spend per index point: 100·(exp(b) − 1) of the log-linear least-squares slope b. */
    Row elasticity(Row g) {
      long n = g == null ? 0 : g.<Long>getAs("reg_n");
      Object[] v = base(ALL, ALL, SPEND_ELASTICITY, n, null);
      String note = note(SPEND_ELASTICITY, n, n);
      if (note == null) {
        Stats.Slope s = Stats.leastSquares(n, g.getAs("sx"), g.getAs("sy"), g.getAs("sxx"), g.getAs("sxy"),
            g.getAs("syy"));
        fill(v, percentChange(s.slope()), percentChange(s.low()), percentChange(s.high()), "slope_t", s.t(),
            n - 2.0, s.pValue());
        if (Double.isNaN(s.slope())) {
          note = n < 3 ? "fewer than 3 customers: no slope" : "the satisfaction index does not vary: no slope";
        } else if (Double.isNaN(s.t())) {
          // two customers fix a line but leave no residual to test it with
          note = n < 3 ? "two customers: a slope but no test" : "spend does not vary: nothing to test";
        }
      }
      return finish(v, note, n > 0 && n < minN);
    }

    private static double percentChange(double logSlope) {
      return 100.0 * Math.expm1(logSlope);
    }

    private long n(Row g, String measure) {
      if (g == null) {
        return 0;
      }
      return switch (measure) {
        case CHURN_RATE -> g.<Long>getAs("churn_n");
        case MEAN_SPEND -> g.<Long>getAs("spend_n");
        default -> g.<Long>getAs("visits_n");
      };
    }

    private static Stats.Mean mean(Row g, String measure) {
      String prefix = measure.equals(MEAN_SPEND) ? "spend" : "visits";
      return Stats.mean(g.getAs(prefix + "_n"), g.getAs(prefix + "_sum"), g.getAs(prefix + "_sq"));
    }

    /** Why the figures are NULL (missing input, no values, n below min-n), or NULL when they are shown. */
    private String note(String measure, long na, long nb) {
      if (unavailable.get(measure) != null) {
        return unavailable.get(measure);
      }
      if (na == 0 || nb == 0) {
        return measure.equals(SPEND_ELASTICITY) ? "no customer with spend > 0 and a satisfaction index"
            : "no customers with a value";
      }
      return Math.min(na, nb) < minN ? "suppressed: n below min-n (" + minN + ")" : null;
    }

    private Object[] base(String grouping, String value, String measure, long n, Long nOther) {
      String input = switch (measure) {
        case CHURN_RATE -> config.churnedColumn();
        case MEAN_VISITS -> config.visitsColumn();
        default -> config.spendColumn();
      };
      return new Object[] {runDate, runId, grouping, value, measure, input, n, nOther,
          null, null, null, null, null, null, null, false, null};
    }

    private static void fill(Object[] v, double value, double low, double high, String test, double statistic,
        double df, double p) {
      v[8] = nanToNull(value);
      v[9] = nanToNull(low);
      v[10] = nanToNull(high);
      v[11] = test;
      v[12] = nanToNull(statistic);
      v[13] = nanToNull(df);
      v[14] = nanToNull(p);
    }

    private static Row finish(Object[] v, String note, boolean suppressed) {
      v[15] = suppressed;
      v[16] = note;
      return RowFactory.create(v);
    }
  }

  private static Row profileRow(CustomerSegments.Cluster cluster, CustomerSegments.Clustering clustering, Row g,
      int minN, LocalDate runDate, String runId) {
    List<Object> v = new ArrayList<>(List.of(Date.valueOf(runDate), runId, cluster.id(), cluster.label(),
        cluster.customers(), 100.0 * cluster.customers() / clustering.clusterable(),
        g == null ? 0L : g.<Long>getAs("customers")));
    for (int i = 0; i < clustering.columns().size(); i++) {
      v.add(cluster.centroid()[i]);
      v.add(cluster.standardized()[i]);
    }
    long npsN = g == null ? 0 : g.<Long>getAs("nps_n");
    long csatN = g == null ? 0 : g.<Long>getAs("csat_n");
    v.add(npsN);
    if (npsN >= minN) {
      Stats.NpsEstimate e = Stats.nps(npsN, g.getAs("promoters"), g.getAs("detractors"));
      v.addAll(Arrays.asList(e.nps(), e.low(), e.high()));
    } else {
      v.addAll(Arrays.asList(null, null, null));
    }
    v.add(csatN);
    if (csatN >= minN) {
      Stats.Proportion p = Stats.wilson(g.getAs("csat_top2"), csatN);
      v.addAll(Arrays.asList(p.pct(), p.low(), p.high()));
    } else {
      v.addAll(Arrays.asList(null, null, null));
    }
    v.add((npsN > 0 && npsN < minN) || (csatN > 0 && csatN < minN));
    v.add(clustering.k());
    v.add(nanToNull(clustering.silhouette()));
    v.add(clustering.fitted());
    return RowFactory.create(v.toArray());
  }

  private static Double nanToNull(double value) {
    return Double.isNaN(value) ? null : value;
  }
}
