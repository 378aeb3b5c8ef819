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
    UnmatchedPolicy unmatchedPolicy,
    String warehouse,
    String database,
    SparkSettings spark,
    Tracking tracking,
    String configHash) {

  public enum SourceFormat { CSV, JSON, PARQUET, DELTA }

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

  public enum Catalog { EMBEDDED, HIVE, IN_MEMORY }

  /** Canonical response field names; the source name of each is configurable. */
  public static final List<String> RESPONSE_FIELDS = List.of(
      "response_id", "customer_id", "survey_date", "channel", "nps", "csat", "ces",
      "complaint_category", "comment");

  /** The survey-response source and where each canonical field lives in it. */
  public record ResponsesInput(String path, SourceFormat format, Map<String, String> columns,
      Map<String, String> dimensionColumns, String dateFormat) {

    /** The source column of a canonical field or a dimension (by its name). */
    public String sourceColumn(String canonical) {
      return columns.getOrDefault(canonical, dimensionColumns.get(canonical));
    }
  }

  public record CrmInput(String path, SourceFormat format, String customerIdColumn, int broadcastMaxMb) {}

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

  public record SparkSettings(String master, String appName, int shufflePartitions, Catalog catalog,
      Map<String, String> conf) {}

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
}
