package io.satlake.io;

import static org.apache.spark.sql.types.DataTypes.BooleanType;
import static org.apache.spark.sql.types.DataTypes.DateType;
import static org.apache.spark.sql.types.DataTypes.DoubleType;
import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.LongType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static org.apache.spark.sql.types.DataTypes.TimestampType;

import io.satlake.config.Settings;
import java.util.List;
import org.apache.spark.sql.types.DataTypes;

/** The table contract BI depends on (DESIGN §4); README's table section describes the same. */
public final class OutputTables {
  public static final String SEGMENT_SCORES = "segment_scores";
  public static final String DRIVER_CORRELATIONS = "driver_correlations";
  public static final String RESPONSE_FACTS = "response_facts";
  public static final String REJECTED_RESPONSES = "rejected_responses";
  public static final String RUN_LOG = "run_log";
  public static final String DRIVER_IMPORTANCE = "driver_importance";
  public static final String PRIORITY_MATRIX = "priority_matrix";
  public static final String SURVEY_WEIGHTS = "survey_weights";
  public static final String SEGMENT_PROFILES = "segment_profiles";
  public static final String SATISFACTION_OUTCOMES = "satisfaction_outcomes";
  public static final String SCORE_TRENDS = "score_trends";
  public static final String TARGET_TRACKING = "target_tracking";
  public static final String BENCHMARK_GAPS = "benchmark_gaps";
  public static final String ALERTS = "alerts";

  private OutputTables() {}

  private static TableSpec.Builder runKeyed(String name, String comment) {
    return new TableSpec.Builder(name, comment)
        .add("run_date", DateType, "The run date this row belongs to; a rerun of the date replaces its rows")
        .add("run_id", StringType, "Id of the run that wrote the row (also the Delta commit's userMetadata)");
  }

  private static void segmentColumns(TableSpec.Builder table, List<String> segmentDimensions) {
    table.add("segment_key", StringType,
        "Grouping level: 'overall' or the comma list of segment dimensions grouped, e.g. 'region,customer_tier'");
    for (String dimension : segmentDimensions) {
      table.add(dimension, StringType, "Segment value of " + dimension + "; NULL = all (not grouped at this level)");
    }
  }

  public static TableSpec segmentScores(Settings settings) {
    TableSpec.Builder t = runKeyed(SEGMENT_SCORES,
        "Satisfaction scores per segment and period with n, intervals and small-n suppression");
    segmentColumns(t, settings.segments().dimensions());
    t.add("period_grain", StringType, "'window' (the whole analysis window) or the period grain: 'month' or 'quarter'")
        .add("period_start", DateType, "First day of the period (of the window: its start, or the first response date)")
        .add("period_end", DateType, "Last day of the period (of the window: its end)")
        .add("n_responses", LongType, "Accepted responses in the segment and period")
        .add("suppressed", BooleanType, "True when at least one figure of the row is withheld because its n is below min-n")
        .add("nps_n", LongType, "Responses with an NPS answer")
        .add("nps", DoubleType, "Net Promoter Score, 100 x (promoter share - detractor share), -100..100")
        .add("nps_promoter_pct", DoubleType, "Share of promoters (9-10), percent")
        .add("nps_passive_pct", DoubleType, "Share of passives (7-8), percent")
        .add("nps_detractor_pct", DoubleType, "Share of detractors (0-6), percent")
        .add("nps_se", DoubleType, "Standard error of NPS, 100 x sqrt((p + d - (p - d)^2) / n)")
        .add("nps_margin", DoubleType, "95% margin of error of NPS, z x se with z = 1.959963984540054")
        .add("nps_low", DoubleType, "95% Wald interval of NPS, lower bound (nps - margin)")
        .add("nps_high", DoubleType, "95% Wald interval of NPS, upper bound (nps + margin)")
        .add("nps_adj_low", DoubleType, "95% adjusted-Wald interval of NPS (n + 3, counts + 0.75), lower bound")
        .add("nps_adj_high", DoubleType, "95% adjusted-Wald interval of NPS (n + 3, counts + 0.75), upper bound")
        .add("csat_n", LongType, "Responses with a CSAT answer")
        .add("csat", DoubleType, "CSAT, percent of CSAT answers that are 4 or 5")
        .add("csat_low", DoubleType, "95% Wilson interval of CSAT, lower bound, percent")
        .add("csat_high", DoubleType, "95% Wilson interval of CSAT, upper bound, percent");
    meanColumns(t, "ces", "Customer effort score (1-7, lower = easier)");
    for (String dimension : settings.dimensions()) {
      meanColumns(t, "dim_" + dimension, "Rating of " + dimension + " (1-7)");
    }
    meanColumns(t, Settings.SATISFACTION_INDEX, "Satisfaction index (0-100)");
    if (settings.tracking().complaintShares()) {
      t.add("complaint_share_n", LongType, "Responses counted for the complaint shares (all of the segment and period)");
      shareColumns(t, "complaint_share", "Share of responses with any complaint");
      for (String category : settings.tracking().complaintCategories()) {
        shareColumns(t, "complaint_share_" + category, "Share of responses with complaint category " + category);
      }
    }
    weightedColumns(t, settings);
    return t.build();
  }

  /** Weighted figures beside the unweighted ones (survey weights; all 1 when weighting is off). */
  private static void weightedColumns(TableSpec.Builder t, Settings settings) {
    String interval = "95% interval at the Kish effective n";
    t.add("n_effective", DoubleType, "Kish effective number of responses, (sum w)^2 / sum w^2")
        .add("nps_weighted", DoubleType, "Weighted NPS, 100 x (weighted promoter share - weighted detractor share)")
        .add("nps_weighted_low", DoubleType, "Weighted NPS: " + interval + " (Wald), lower bound")
        .add("nps_weighted_high", DoubleType, "Weighted NPS: " + interval + " (Wald), upper bound")
        .add("nps_n_effective", DoubleType, "Kish effective n of the responses with an NPS answer")
        .add("csat_weighted", DoubleType, "Weighted CSAT, percent of the weight of CSAT answers that are 4 or 5")
        .add("csat_weighted_low", DoubleType, "Weighted CSAT: " + interval + " (Wilson), lower bound")
        .add("csat_weighted_high", DoubleType, "Weighted CSAT: " + interval + " (Wilson), upper bound")
        .add("csat_n_effective", DoubleType, "Kish effective n of the responses with a CSAT answer");
    for (String score : weightedMeanScores(settings)) {
      t.add(score + "_weighted", DoubleType, "Weighted mean of " + score)
          .add(score + "_weighted_low", DoubleType, "Weighted mean of " + score + ": " + interval + " (t), lower bound")
          .add(score + "_weighted_high", DoubleType, "Weighted mean of " + score + ": " + interval + " (t), upper bound")
          .add(score + "_n_effective", DoubleType, "Kish effective n of the responses with " + score);
    }
  }

  /** The mean scores that get weighted columns: CES, each dimension, the satisfaction index. */
  public static List<String> weightedMeanScores(Settings settings) {
    List<String> scores = new java.util.ArrayList<>();
    scores.add("ces");
    scores.addAll(settings.dimensionColumns());
    scores.add(Settings.SATISFACTION_INDEX);
    return scores;
  }

  private static void shareColumns(TableSpec.Builder t, String share, String meaning) {
    t.add(share, DoubleType, meaning + ", percent")
        .add(share + "_low", DoubleType, meaning + ": 95% Wilson interval, lower bound, percent")
        .add(share + "_high", DoubleType, meaning + ": 95% Wilson interval, upper bound, percent");
  }

  /** The segment and the span of periods a tracked figure covers (trends, targets, benchmarks, alerts). */
  private static void spanColumns(TableSpec.Builder t, Settings settings) {
    segmentColumns(t, settings.segments().dimensions());
    t.add("period_grain", StringType, "'month' or 'quarter' (period rows), or 'window' (the whole analysis window)")
        .add("rolling_periods", IntegerType, "Periods in the span: 1 = the period alone, k = the trailing k periods"
            + " ending with it (trends.rolling-periods); NULL for the window")
        .add("period_start", DateType, "First day of the span")
        .add("period_end", DateType, "Last day of the span")
        .add("metric", StringType, "Tracked metric: its segment_scores column, e.g. nps, csat, satisfaction_index,"
            + " complaint_share_<category>");
  }

  /** A metric's figure: value, n and 95% interval, as in segment_scores. */
  private static void figureColumns(TableSpec.Builder t) {
    t.add("value", DoubleType, "The metric's value in the span (NULL when its n is below min-n)")
        .add("n", LongType, "Responses carrying the metric in the span")
        .add("low", DoubleType, "95% interval of the value, lower bound (as in segment_scores)")
        .add("high", DoubleType, "95% interval of the value, upper bound");
  }

  public static TableSpec scoreTrends(Settings settings) {
    TableSpec.Builder t = runKeyed(SCORE_TRENDS,
        "Change of every metric per segment and period against the previous period, a year earlier and the rest of"
            + " the responses, with tests and Benjamini-Hochberg FDR control");
    spanColumns(t, settings);
    t.add("comparison", StringType, "'previous_period' (the span just before), 'year_ago' (the same span a year"
        + " earlier) or 'vs_rest' (the segment's complement: all other responses of the same span)");
    figureColumns(t);
    return t.add("reference_start", DateType, "First day of the reference span (NULL for vs_rest: the same span)")
        .add("reference_end", DateType, "Last day of the reference span (NULL for vs_rest)")
        .add("reference_value", DoubleType, "The metric's value in the reference (NULL when its n is below min-n)")
        .add("reference_n", LongType, "Responses carrying the metric in the reference")
        .add("delta", DoubleType, "value - reference_value (NPS and index points, percentage points, scale points)")
        .add("direction", StringType, "'better', 'worse' or 'same': the change in the metric's good direction"
            + " (lower is better for ces and complaint shares)")
        .add("test", StringType, "'nps_z', 'two_proportion_z' (pooled) or 'welch_t'")
        .add("statistic", DoubleType, "Test statistic (z or t) of value - reference_value")
        .add("df", DoubleType, "Welch-Satterthwaite degrees of freedom (welch_t only)")
        .add("p_value", DoubleType, "Two-sided p-value; NULL when not tested")
        .add("q_value", DoubleType,
            "Benjamini-Hochberg adjusted p-value across the run's tests of the same comparison (trends.fdr-family)")
        .add("significant", BooleanType, "True when q_value <= trends.fdr-rate; NULL when not tested")
        .add("not_tested", StringType, "Why there is no test: 'small_n' (either side below min-n, or of one response)"
            + " or 'no_variance'")
        .build();
  }

  public static TableSpec targetTracking(Settings settings) {
    TableSpec.Builder t = runKeyed(TARGET_TRACKING,
        "Each target against the current value of every matching segment, with status and gap");
    t.add("target", StringType, "Where the target is defined: a config path or <file>:<line>");
    spanColumns(t, settings);
    figureColumns(t);
    return t.add("direction", StringType, "'at_least' (higher is the goal) or 'at_most' (e.g. complaint share)")
        .add("base_target", DoubleType, "Base target")
        .add("stretch_target", DoubleType, "Stretch target (NULL if none)")
        .add("due_date", DateType, "Date by which the base target should be met (NULL if none)")
        .add("gap", DoubleType, "value - base_target")
        .add("gap_significant", BooleanType, "True when the 95% interval excludes the base target")
        .add("slope_per_period", DoubleType, "Least-squares slope of the metric over the trailing"
            + " targets.trend-periods periods (NULL with fewer than 3 unsuppressed periods)")
        .add("projected_value", DoubleType, "value + slope x periods until the due date's period (value when no slope)")
        .add("status", StringType, "'stretch_met', 'base_met', 'on_track', 'off_track' or 'insufficient_data'"
            + " (README: Targets)")
        .build();
  }

  public static TableSpec benchmarkGaps(Settings settings) {
    TableSpec.Builder t = runKeyed(BENCHMARK_GAPS,
        "Current value of every segment and metric against each industry or peer benchmark, long format");
    spanColumns(t, settings);
    figureColumns(t);
    return t.add("peer_group", StringType, "Industry or peer group of the benchmark")
        .add("benchmark_value", DoubleType, "Benchmark value, on the metric's scale")
        .add("benchmark_source", StringType, "Where the benchmark comes from")
        .add("gap", DoubleType, "value - benchmark_value")
        .add("gap_significant", BooleanType, "True when the 95% interval excludes the benchmark value")
        .add("better", BooleanType, "True when the value is better than the benchmark in the metric's good direction")
        .build();
  }

  public static TableSpec alerts(Settings settings) {
    TableSpec.Builder t = runKeyed(ALERTS, "Alerts of the run: threshold rules, missed targets and significant declines");
    t.add("alert_type", StringType, "'rule' (alerts.rules), 'target' (status off_track) or 'decline' (a significant"
        + " decline in score_trends after FDR control)")
        .add("severity", StringType, "'info', 'warning' or 'critical'");
    spanColumns(t, settings);
    return t.add("value", DoubleType, "The metric's value")
        .add("reference_value", DoubleType, "The threshold, the base target, or the value compared with")
        .add("reference", StringType, "What reference_value is: 'threshold', 'base_target', 'previous_period',"
            + " 'year_ago' or 'vs_rest'")
        .add("n", LongType, "Responses carrying the metric (never below min-n)")
        .add("q_value", DoubleType, "Benjamini-Hochberg adjusted p-value (decline alerts)")
        .add("message", StringType, "One sentence for a manager")
        .build();
  }

  private static void meanColumns(TableSpec.Builder t, String score, String meaning) {
    t.add(score + "_n", LongType, "Responses with a " + score + " answer")
        .add(score, DoubleType, meaning + ": mean")
        .add(score + "_sd", DoubleType, meaning + ": sample standard deviation")
        .add(score + "_low", DoubleType, meaning + ": 95% t interval of the mean, lower bound")
        .add(score + "_high", DoubleType, meaning + ": 95% t interval of the mean, upper bound");
  }

  public static TableSpec driverCorrelations(Settings settings) {
    TableSpec.Builder t = runKeyed(DRIVER_CORRELATIONS,
        "Correlation of each target score with each driver, overall and per segment, Pearson and Spearman");
    segmentColumns(t, settings.segments().correlationLevels());
    return t.add("target", StringType, "Target score: nps, csat or ces")
        .add("driver", StringType, "Driver: a CRM behaviour column or a dimension rating (dim_<name>)")
        .add("method", StringType, "'pearson', or 'spearman' (Pearson on average ranks; ties share their mean rank)")
        .add("n", LongType, "Complete cases: CRM-matched responses with the target and every driver present")
        .add("r", DoubleType, "Correlation coefficient, -1..1; NULL when suppressed or a variance is zero")
        .add("p_value", DoubleType, "Two-sided p-value of r = 0 from t = r sqrt((n - 2) / (1 - r^2)), n - 2 df")
        .add("ci_low", DoubleType, "95% Fisher-z interval of r, lower bound")
        .add("ci_high", DoubleType, "95% Fisher-z interval of r, upper bound")
        .add("suppressed", BooleanType, "True when n is below min-n (r and its statistics are then NULL)")
        .add("rank_bins", IntegerType, "Spearman of a driver with more distinct values than correlations.rank-bins:"
            + " how many of its equal-frequency bins this sample falls in (the fewer, the coarser its ranks); NULL when"
            + " its ranks are exact")
        .build();
  }

  public static TableSpec driverImportance(Settings settings) {
    TableSpec.Builder t = runKeyed(DRIVER_IMPORTANCE,
        "Key-driver importance: each driver's share of the R2 of a linear model of the target, overall and per segment");
    segmentColumns(t, settings.importance().levels());
    return t.add("target", StringType, "Target score: nps, csat, satisfaction_index or a configured extra target")
        .add("driver", StringType, "Driver: a CRM behaviour column or a dimension rating (dim_<name>)")
        .add("method", StringType, "What importance is: 'shapley' (exact LMG, up to 15 drivers) or 'relative_weights'"
            + " (Johnson, above 15)")
        .add("n", LongType, "Complete cases: CRM-matched responses with the target and every driver present")
        .add("suppressed", BooleanType, "True when n is below min-n: every figure below is then NULL")
        .add("r2", DoubleType, "R2 of the linear model of the target on all drivers")
        .add("condition_number", DoubleType, "Largest / smallest eigenvalue of the driver correlation matrix"
            + " (1 = uncorrelated drivers; above importance.condition-number-warning the run log warns; NULL when"
            + " singular)")
        .add("correlation", DoubleType, "Pearson r of the driver with the target in the same sample")
        .add("beta", DoubleType, "Standardized coefficient of the driver in the full linear model")
        .add("shapley", DoubleType, "Shapley (LMG) value: the driver's part of r2, averaged over all orders of"
            + " entry; the values sum to r2. NULL above 15 drivers")
        .add("importance", DoubleType, "Share of r2 attributed to the driver by `method`, 0..1; shares sum to 1")
        .add("importance_low", DoubleType, "95% Poisson-bootstrap percentile interval of importance, lower bound")
        .add("importance_high", DoubleType, "95% Poisson-bootstrap percentile interval of importance, upper bound")
        .add("bootstrap_replicates", IntegerType, "Bootstrap replicates behind the interval (replicates where the"
            + " model is undefined are left out)")
        .add("importance_rank", IntegerType, "Rank of the driver by importance within target and segment, 1 = most")
        .add("relative_weight", DoubleType, "Johnson's relative weight (part of r2); the weights sum to r2")
        .add("relative_weight_share", DoubleType, "relative_weight / r2")
        .add("logit_n", LongType, "Target nps only: promoters + detractors in the promoter-vs-detractor model's"
            + " (possibly sampled) fit")
        .add("logit_coefficient", DoubleType, "Target nps only: log-odds of promoter vs detractor per +1 SD of the"
            + " driver, the others held fixed (logistic regression, passives excluded)")
        .add("odds_ratio", DoubleType, "Target nps only: exp(logit_coefficient), the odds factor per +1 SD")
        .build();
  }

  public static TableSpec priorityMatrix(Settings settings) {
    TableSpec.Builder t = runKeyed(PRIORITY_MATRIX,
        "Importance-performance matrix: each driver's importance and 0-100 performance, and its quadrant");
    segmentColumns(t, settings.importance().levels());
    return t.add("target", StringType, "Target score whose importances are used")
        .add("driver", StringType, "Driver")
        .add("n", LongType, "Complete cases of the target in the segment (as in driver_importance)")
        .add("suppressed", BooleanType, "True when n is below min-n: importance, performance and quadrant are NULL")
        .add("importance", DoubleType, "The driver's importance share (driver_importance.importance)")
        .add("performance", DoubleType, "Mean of the driver rescaled to 0-100 (see performance_scale)")
        .add("driver_mean", DoubleType, "Mean of the driver in its own units")
        .add("performance_scale", StringType, "The range rescaled to 0-100, (mean - low) / (high - low) x 100:"
            + " 'rating [1, 7]', 'configured [low, high]' (importance.performance-bounds) or 'observed [min, max]'"
            + " (the driver's overall range in the run)")
        .add("importance_median", DoubleType, "Median importance of the drivers of this target and segment")
        .add("performance_median", DoubleType, "Median performance of the drivers of this target and segment")
        .add("quadrant", StringType, "fix_first (importance above median, performance not), maintain (both above),"
            + " monitor (performance above median, importance not), low_priority (neither)")
        .add("benchmark", DoubleType, "Configured 0-100 benchmark performance of the driver, if any")
        .add("gap", DoubleType, "performance - benchmark (negative = below the benchmark)")
        .build();
  }

  public static TableSpec responseFacts(Settings settings) {
    TableSpec.Builder t = runKeyed(RESPONSE_FACTS,
        "One row per accepted response in the analysis window, joined with CRM attributes; no free text, no raw customer id")
        .add("response_id", StringType, "Survey response id")
        .add("customer_key", StringType, "SHA-256 of the customer id (pseudonymous join key)")
        .add("survey_date", DateType, "Date of the response")
        .add("period_start", DateType, "First day of the response's period (month or quarter)");
    for (String dimension : settings.segments().dimensions()) {
      t.add(dimension, StringType, "Segment " + dimension + " ('unknown' when missing or not in the CRM)");
    }
    t.add("nps", IntegerType, "NPS answer 0-10")
        .add("nps_group", StringType, "promoter (9-10), passive (7-8) or detractor (0-6)")
        .add("csat", IntegerType, "CSAT answer 1-5")
        .add("ces", IntegerType, "CES answer 1-7 (lower = easier)");
    for (String dimension : settings.dimensions()) {
      t.add("dim_" + dimension, IntegerType, "Rating of " + dimension + " 1-7");
    }
    t.add(Settings.SATISFACTION_INDEX, DoubleType,
        "Satisfaction index 0-100: weighted mean of the present dimension ratings, each rescaled (x - 1) / 6 x 100");
    settings.importance().extraTargets().forEach((score, scale) -> t.add(score, DoubleType,
        "Extra target score " + score + " (" + scale.low() + " to " + scale.high() + "), from the responses"));
    for (String behaviour : settings.behaviourDrivers()) {
      t.add(behaviour, DoubleType, "CRM behaviour " + behaviour + " (NULL when not in the CRM)");
    }
    if (settings.customers().clusters().enabled() && !settings.segments().dimensions().contains(Settings.Customers.CLUSTER)) {
      t.add(Settings.Customers.CLUSTER, StringType, "Behavioural cluster of the customer (see segment_profiles); NULL when not clustered");
    }
    t.add(Settings.Customers.CHURNED, BooleanType, "CRM churned flag (NULL when unknown or not in the CRM)")
        .add("tenure_days", IntegerType, "Days from the CRM signup_date to the run date (NULL when unknown)");
    return t.add("crm_matched", BooleanType, "True when the customer is in the CRM")
        .add("complaint_category", StringType, "Complaint category, if any")
        .add("has_comment", BooleanType, "True when the response carries a free-text comment")
        .add("weight", DoubleType, "Survey weight (raked to the CRM margins of satlake.weighting.dimensions; 1 when"
            + " weighting is off or the customer is not in the CRM)")
        // Delta computes min/max statistics per file, by default of the first 32 columns, which
        // doubled the cost of writing this table. Files are not sorted by any other column, so
        // only the dates (what dashboards filter on) let a reader skip files.
        .property("delta.dataSkippingStatsColumns", "survey_date,period_start")
        .build();
  }

  public static final TableSpec WEIGHTS = runKeyed(SURVEY_WEIGHTS,
      "Raking of response weights to the CRM population: margins per raking dimension and category, convergence,"
          + " effective n and design effect (no rows when weighting is off)")
      .add("dimension", StringType, "Raking dimension (a CRM segment column)")
      .add("category", StringType, "Category of the dimension ('unknown' = missing in the CRM)")
      .add("population_n", LongType, "Accepted CRM customers in the category")
      .add("population_share", DoubleType, "Share of the accepted CRM customers in the category (the raking target)")
      .add("sample_n", LongType, "Raked responses (CRM-matched, in the window) in the category")
      .add("sample_share", DoubleType, "Unweighted share of the raked responses in the category")
      .add("weighted_share", DoubleType, "Weighted share of the raked responses in the category after raking")
      .add("iterations", IntegerType, "Raking cycles run until convergence (same on every row of the run)")
      .add("max_margin_error", DoubleType, "Largest |weighted share - population share| over all dimensions and categories")
      .add("n_raked", LongType, "Responses raked: CRM-matched responses in the window")
      .add("n_unmatched", LongType, "Responses not raked (customer not in the CRM): weight 1")
      .add("n_effective", DoubleType, "Kish effective sample size of the raked responses, (sum w)^2 / sum w^2")
      .add("design_effect", DoubleType, "Design effect of the weights, n_raked / n_effective")
      .add("weight_min", DoubleType, "Smallest weight (relative to the mean weight 1)")
      .add("weight_max", DoubleType, "Largest weight (relative to the mean weight 1)")
      .build();

  /** One row per behavioural cluster (see {@code customers.CustomerSegments}); empty when clustering was skipped. */
  public static TableSpec segmentProfiles(Settings settings) {
    TableSpec.Builder t = runKeyed(SEGMENT_PROFILES,
        "Behavioural clusters of the customers (MLlib KMeans on standardized behaviour columns): size, centroid, label, NPS and CSAT")
        .add(Settings.Customers.CLUSTER, StringType, "Cluster id, '0'..'k-1': the value of behaviour_cluster in response_facts and segment_scores")
        .add("label", StringType, "Readable name from the centroid's strongest z-scores (|z| >= 0.5, at most 2), e.g. 'high annual_spend, low visit_frequency'; 'average' if none")
        .add("customers", LongType, "CRM customers assigned to the cluster (all accepted customers with every clustering column)")
        .add("customers_pct", DoubleType, "Share of the clustered customers, percent")
        .add("respondents", LongType, "Customers of the cluster with at least one response in the window");
    for (String column : settings.customers().clusters().columns()) {
      t.add(column, DoubleType, "Centroid: mean " + column + " of the cluster's customers, original units")
          .add(column + "_z", DoubleType, "Centroid of " + column + " as a z-score: (mean - mean of all clustered customers) / their sd");
    }
    return t.add("nps_n", LongType, "Responses with an NPS answer from the cluster's customers in the window")
        .add("nps", DoubleType, "NPS of those responses, -100..100 (as segment_scores)")
        .add("nps_low", DoubleType, "95% Wald interval of NPS, lower bound")
        .add("nps_high", DoubleType, "95% Wald interval of NPS, upper bound")
        .add("csat_n", LongType, "Responses with a CSAT answer from the cluster's customers in the window")
        .add("csat", DoubleType, "CSAT, percent of CSAT answers that are 4 or 5")
        .add("csat_low", DoubleType, "95% Wilson interval of CSAT, lower bound, percent")
        .add("csat_high", DoubleType, "95% Wilson interval of CSAT, upper bound, percent")
        .add("suppressed", BooleanType, "True when NPS or CSAT is withheld because its n is below min-n")
        .add("k", IntegerType, "Number of clusters of the run (configured, or chosen by silhouette)")
        .add("silhouette", DoubleType, "Silhouette (squared Euclidean, -1..1) of the chosen model on the fitting sample")
        .add("fitted_customers", LongType, "Customers in the deterministic sample the model was fitted on")
        .build();
  }

  public static final TableSpec SATISFACTION_OUTCOMES_SPEC = runKeyed(SATISFACTION_OUTCOMES,
      "Churn, spend and visits by NPS group and CSAT band (one row per customer: its latest answer in the window), "
          + "promoter - detractor differences with tests, and the spend elasticity of satisfaction; associations, not causes")
      .add("grouping", StringType, "'nps_group', 'csat_band', or 'all' (the spend elasticity)")
      .add("group_value", StringType, "promoter | passive | detractor | 'promoter - detractor'; 1-2 | 3 | 4-5 | '4-5 - 1-2'; all")
      .add("measure", StringType, "churn_rate (percent churned) | mean_spend | mean_visits | spend_elasticity")
      .add("input_column", StringType, "The CRM column the measure reads (satlake.customers.*-column)")
      .add("n", LongType, "Customers in the group with a value of the input (a difference: of the first group)")
      .add("n_other", LongType, "A difference: customers of the second group; NULL otherwise")
      .add("value", DoubleType, "Churn rate in percent, mean in the input's units, a difference (first - second; percentage points for churn), or spend_elasticity: % change in spend per 1-point higher satisfaction index")
      .add("ci_low", DoubleType, "95% interval, lower bound: Wilson (rate), t (mean), Wald (difference of rates), Welch t (difference of means), t on the slope (elasticity)")
      .add("ci_high", DoubleType, "95% interval, upper bound")
      .add("test", StringType, "two_proportion_z | welch_t | slope_t; NULL for a single group")
      .add("statistic", DoubleType, "z or t of the test")
      .add("df", DoubleType, "Degrees of freedom of a t test (Welch-Satterthwaite for welch_t, n - 2 for slope_t)")
      .add("p_value", DoubleType, "Two-sided p-value of no difference (no association for the slope)")
      .add("suppressed", BooleanType, "True when n (or n_other) is below min-n; the figures are then NULL")
      .add("note", StringType, "Why the figures are NULL: input not configured or not in the CRM, no values, or suppressed")
      .build();

  public static final TableSpec REJECTED = runKeyed(REJECTED_RESPONSES,
      "One row per rejected input row, with the reason code and the raw record")
      .add("source", StringType, "Input the row came from: 'responses' or 'crm'")
      .add("reason", StringType, "Reason code, e.g. SCORE_OUT_OF_RANGE (see README)")
      .add("detail", StringType, "Which field failed and its value, e.g. 'nps=11'")
      .add("record_key", StringType, "response_id (or CRM customer_id) as read, if any")
      .add("raw_record", StringType, "The raw record: the unparsable line, or the row's fields as JSON")
      .build();

  public static final TableSpec RUN = new TableSpec.Builder(RUN_LOG,
      "One row per run: what happened to every input row, timings, configuration hash")
      .add("run_id", StringType, "Unique id of the run")
      .add("run_date", DateType, "The run date")
      .add("status", StringType, "'succeeded' or 'failed'")
      .add("error", StringType, "The failure message, when failed")
      .add("window_start", DateType, "First day of the analysis window (NULL = all history)")
      .add("window_end", DateType, "Last day of the analysis window")
      .add("period_grain", StringType, "'month' or 'quarter'")
      .add("started_at", TimestampType, "When the run started (wall clock; metadata only)")
      .add("finished_at", TimestampType, "When the run finished")
      .add("duration_s", DoubleType, "Wall time of the run, seconds")
      .add("responses_read", LongType, "Response rows read; = responses_accepted + responses_rejected")
      .add("responses_accepted", LongType, "Responses that passed validation")
      .add("responses_rejected", LongType, "Responses rejected (rows in rejected_responses with source 'responses')")
      .add("responses_in_window", LongType, "Accepted responses inside the analysis window (the ones analysed)")
      .add("responses_unmatched", LongType, "Accepted responses whose customer is not in the CRM")
      .add("rejected_by_reason", DataTypes.createMapType(StringType, LongType), "Rejected responses per reason code")
      .add("crm_read", LongType, "CRM rows read; = crm_accepted + crm_rejected")
      .add("crm_accepted", LongType, "CRM rows accepted")
      .add("crm_rejected", LongType, "CRM rows rejected (rows in rejected_responses with source 'crm')")
      .add("crm_rejected_by_reason", DataTypes.createMapType(StringType, LongType), "Rejected CRM rows per reason code")
      .add("stage_seconds", DataTypes.createMapType(StringType, DoubleType), "Wall time per stage, seconds")
      .add("warnings", DataTypes.createArrayType(StringType),
          "Warnings of the run, e.g. no accepted responses in the window, collinear drivers in driver_importance")
      .add("config_hash", StringType, "SHA-256 prefix of the effective satlake configuration")
      .add("version", StringType, "satlake version")
      .build();
}
