package io.satlake.config;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The validated, typed configuration of one run, built once at start-up by {@link SettingsLoader}.
 * Every name in it has passed {@link Identifiers#isSafe}.
 */
public record Settings(
    ResponsesInput responses,
    CrmInput crm,
    List<String> dimensions,
    Map<String, Double> indexWeights,
    List<String> behaviourDrivers,
    Segments segments,
    Window window,
    PeriodGrain periodGrain,
    int minN,
    int rankBins,
    UnmatchedPolicy unmatchedPolicy,
    int duplicatesBroadcastMaxIds,
    String warehouse,
    String database,
    String scratchDir,
    SparkSettings spark,
    Weighting weighting,
    JdbcInput crmJdbc,
    Bi bi,
    Customers customers,
    Tracking tracking,
    String configHash,
    Importance importance) {

  public enum SourceFormat { CSV, JSON, PARQUET, DELTA, JDBC }

  public enum PeriodGrain {
    MONTH, QUARTER;

    public String sqlUnit() {
      return name();
    }

    public String label() {
      return name().toLowerCase();
    }
  }

  public enum UnmatchedPolicy { KEEP, REJECT }

  public enum Catalog { EMBEDDED, HIVE, IN_MEMORY, SHARED }

  /** Canonical response field names; the source name of each is configurable. */
  public static final List<String> RESPONSE_FIELDS = List.of(
      "response_id", "customer_id", "survey_date", "channel", "nps", "csat", "ces",
      "complaint_category", "comment");

  /** The survey-response source and where each canonical field lives in it. */
  public record ResponsesInput(String path, SourceFormat format, Map<String, String> columns,
      Map<String, String> dimensionColumns, String dateFormat, boolean csvMultiLine, CsvDialect csv) {

    /** The source column of a canonical field or a dimension (by its name). */
    public String sourceColumn(String canonical) {
      return columns.getOrDefault(canonical, dimensionColumns.get(canonical));
    }

    /** The decimal separator of numbers written as text: the CSV dialect's, else a point. */
    public String decimalSeparator() {
      return format == SourceFormat.CSV ? csv.decimalSeparator() : ".";
    }
  }

  public record CrmInput(String path, SourceFormat format, String customerIdColumn, int broadcastMaxMb,
      CsvDialect csv) {

    /** The decimal separator of numbers written as text: the CSV dialect's, else a point. */
    public String decimalSeparator() {
      return format == SourceFormat.CSV ? csv.decimalSeparator() : ".";
    }
  }

  /**
   * How a CSV source is written: its field delimiter (one character), its character encoding,
   * which must be ASCII-compatible (records are split at line-break bytes before decoding), and
   * the decimal separator of its numbers ("." or ",").
   */
  public record CsvDialect(String delimiter, String encoding, String decimalSeparator) {
    /** RFC 4180 in UTF-8: the reference files (targets, benchmarks) and the inputs' default. */
    public static final CsvDialect RFC_4180 = new CsvDialect(",", "UTF-8", ".");
  }

  public record Segments(List<String> dimensions, List<List<String>> combinations,
      List<String> correlationLevels) {

    /** Every grouping level scored, in output order: overall, each dimension, each combination. */
    public List<List<String>> levels() {
      List<List<String>> levels = new ArrayList<>();
      levels.add(List.of());
      dimensions.forEach(d -> levels.add(List.of(d)));
      levels.addAll(combinations);
      return levels;
    }
  }

  public enum WindowMode { TRAILING, EXPLICIT, ALL }

  public record Window(WindowMode mode, int trailingDays, LocalDate start, LocalDate end) {

    /** The inclusive date range analysed for a run date; start is null for all history. */
    public DateRange resolve(LocalDate runDate) {
      return switch (mode) {
        case TRAILING -> new DateRange(runDate.minusDays(trailingDays - 1L), runDate);
        case EXPLICIT -> new DateRange(start, end);
        case ALL -> new DateRange(null, runDate);
      };
    }
  }

  public record DateRange(LocalDate start, LocalDate end) {
    @Override
    public String toString() {
      return (start == null ? "all history" : start.toString()) + " .. " + end;
    }
  }

  /**
   * Raking of response weights to the CRM population's margins on {@code dimensions} (none = off:
   * every weight 1). Converged when every weighted category share is within {@code tolerance} of
   * its population share; weights are trimmed to [trimMin, trimMax] × the mean weight.
   */
  public record Weighting(List<String> dimensions, int maxIterations, double tolerance, double trimMin,
      double trimMax) {
    public boolean enabled() {
      return !dimensions.isEmpty();
    }
  }

  /**
   * A JDBC source (the CRM when its format is jdbc): a table or a query, read in
   * {@code numPartitions} parallel range queries on {@code partitionColumn} when that is set. The
   * password is read from the environment variable {@code passwordEnv}, never from config.
   */
  public record JdbcInput(String url, String table, String query, String user, String passwordEnv, String driver,
      String partitionColumn, String lowerBound, String upperBound, int numPartitions, int fetchSize) {}

  /**
   * Serving the tables to BI: the shared metastore of catalog {@code shared} (which a Spark
   * Thrift server can use at the same time), and the database of views with explicit columns
   * (null = none) refreshed after each run.
   */
  public record Bi(String metastoreUrl, String viewsDatabase) {}

  public record SparkSettings(String master, String appName, int shufflePartitions, Catalog catalog,
      Map<String, String> conf) {}

  public enum TierMode { AUTO, RULES, CRM }

  /**
   * Customer-level analyses: optional CRM attributes (churned, signup_date), rule tiers,
   * behavioural clusters and satisfaction outcomes. Column names are CRM source names; null = the
   * CRM has no such column (the figures that need it are NULL).
   */
  public record Customers(String churnedColumn, String signupDateColumn, String signupDateFormat,
      String spendColumn, String visitsColumn, String featureUsageColumn, Tiers tiers, Clusters clusters) {
    /** Names of the optional attributes in facts, whatever their source names. */
    public static final String CHURNED = "churned";
    public static final String SIGNUP_DATE = "signup_date";
    /** The behavioural cluster of a customer ("0".."k-1"), usable as a segment dimension. */
    public static final String CLUSTER = "behaviour_cluster";

    /** Rule tiers: high_value, at_risk, regular (see reference.conf, satlake.customers.tiers). */
    public record Tiers(String column, TierMode mode, double highValueTopShare, double lowBottomShare,
        boolean churnedIsAtRisk) {}

    /** KMeans on standardized behaviour columns; k = 0 chooses k by silhouette in [kMin, kMax]. */
    public record Clusters(boolean enabled, List<String> columns, int k, int kMin, int kMax, int sampleSize,
        int maxIterations, long seed) {}

    /** The numeric CRM columns the customer analyses read besides the behaviour drivers. */
    public List<String> extraNumericColumns(List<String> behaviourDrivers) {
      List<String> extra = new ArrayList<>();
      for (String c : java.util.Arrays.asList(spendColumn, visitsColumn, featureUsageColumn)) {
        if (c != null && !behaviourDrivers.contains(c) && !extra.contains(c)) {
          extra.add(c);
        }
      }
      return extra;
    }
  }

  /**
   * Complaint shares, score_trends, targets, benchmarks and alerts (README "Trends, targets,
   * benchmarks and alerts").
   *
   * @param complaintShares false when the responses have no complaint_category column
   * @param rollingPeriods 0, or the trailing span (≥ 2 periods) also compared in score_trends
   * @param targets the targets of {@code targets.items}; a targets file adds its own at run time
   * @param dropComparisons score_trends comparisons whose significant declines are alerts
   */
  public record Tracking(
      List<String> complaintCategories,
      boolean complaintShares,
      double fdrRate,
      FdrFamily fdrFamily,
      int rollingPeriods,
      String targetsFile,
      List<Target> targets,
      int targetTrendPeriods,
      String benchmarksFile,
      List<AlertRule> alertRules,
      List<String> dropComparisons,
      Severity dropSeverity,
      Severity targetSeverity,
      boolean exitOnCritical) {

    /**
     * The families Benjamini–Hochberg controls: one per comparison (previous_period, year_ago,
     * vs_rest), or every test of the run as one.
     */
    public enum FdrFamily { COMPARISON, RUN }

    /** at_least: higher is the goal (NPS 45); at_most: lower is (complaint share 8%). */
    public enum Direction { AT_LEAST, AT_MOST }

    public enum Severity { INFO, WARNING, CRITICAL }

    /**
     * @param segment the segment filter, e.g. "region=north,customer_tier=*"; "" = overall
     * @param direction null = the metric's own (at_most for CES and complaint shares)
     * @param origin where it was defined, for messages: a config path or file:line
     */
    public record Target(String metric, String segment, double base, Double stretch, LocalDate due,
        Direction direction, String origin) {}

    /** Fires when a metric's value is below {@code below} or above {@code above} (either may be null). */
    public record AlertRule(String metric, String segment, Double below, Double above, Severity severity,
        String origin) {}
  }

  /** The dimension rating column names as they appear in the outputs (dim_&lt;name&gt;). */
  public List<String> dimensionColumns() {
    return dimensions.stream().map(d -> "dim_" + d).toList();
  }

  /** Every driver column of the correlations: behaviour columns, then dimension ratings. */
  public List<String> driverColumns() {
    List<String> drivers = new ArrayList<>(behaviourDrivers);
    drivers.addAll(dimensionColumns());
    return drivers;
  }

  /** The per-response satisfaction index (0-100), see {@code SatisfactionIndex}. */
  public static final String SATISFACTION_INDEX = "satisfaction_index";

  /** Scores that are targets of the driver correlations. */
  public static final List<String> TARGETS = List.of("nps", "csat", "ces");

  /** A closed numeric range [low, high], low &lt; high. */
  public record Range(double low, double high) {
    /** The value rescaled to 0-100 within the range. */
    public double percent(double value) {
      return (value - low) / (high - low) * 100.0;
    }
  }

  /**
   * Key-driver analysis (driver_importance, priority_matrix).
   *
   * @param extraTargets extra numeric score columns of the responses (same name in the source)
   *     with their scale; each is validated, carried into the facts and analysed as a target
   * @param levels segment levels with their own importances besides overall
   * @param bootstrapReplicates Poisson-bootstrap replicates of the importance intervals (0 = none)
   * @param seed seed of the bootstrap weights and of the logistic-regression sample
   * @param conditionNumberWarning run-log warning when the driver correlation matrix's condition
   *     number (largest / smallest eigenvalue) is above this
   * @param logisticMaxRows promoter-vs-detractor model: at most about this many rows are fitted
   * @param performanceBounds 0-100 rescaling range of behaviour drivers in the priority matrix
   *     (else the observed overall min/max)
   * @param benchmarks per driver, a 0-100 performance benchmark for the priority matrix gap
   */
  public record Importance(Map<String, Range> extraTargets, List<String> levels, int bootstrapReplicates,
      long seed, double conditionNumberWarning, int logisticMaxRows, Map<String, Range> performanceBounds,
      Map<String, Double> benchmarks) {}

  /** Targets of the key-driver analysis: nps, csat, the satisfaction index, then the extra scores. */
  public List<String> importanceTargets() {
    List<String> targets = new ArrayList<>(List.of("nps", "csat", SATISFACTION_INDEX));
    targets.addAll(importance.extraTargets().keySet());
    return targets;
  }
}
