package io.satlake.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import io.satlake.SatlakeException;
import io.satlake.config.Settings.Bi;
import io.satlake.config.Settings.Catalog;
import io.satlake.config.Settings.CrmInput;
import io.satlake.config.Settings.CsvDialect;
import io.satlake.config.Settings.Importance;
import io.satlake.config.Settings.Range;
import io.satlake.config.Settings.JdbcInput;
import io.satlake.config.Settings.Customers;
import io.satlake.config.Settings.TierMode;
import io.satlake.config.Settings.PeriodGrain;
import io.satlake.config.Settings.ResponsesInput;
import io.satlake.config.Settings.Segments;
import io.satlake.config.Settings.SourceFormat;
import io.satlake.config.Settings.SparkSettings;
import io.satlake.config.Settings.Tracking;
import io.satlake.config.Settings.Tracking.AlertRule;
import io.satlake.config.Settings.Tracking.Direction;
import io.satlake.config.Settings.Tracking.Severity;
import io.satlake.config.Settings.Tracking.Target;
import io.satlake.config.Settings.UnmatchedPolicy;
import io.satlake.config.Settings.Weighting;
import io.satlake.config.Settings.Window;
import io.satlake.config.Settings.WindowMode;
import java.io.File;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.spark.sql.catalyst.util.Iso8601TimestampFormatter;
import org.apache.spark.sql.catalyst.util.LegacyDateFormats;
import org.apache.spark.sql.catalyst.util.TimestampFormatter;

/**
 * Builds {@link Settings} from HOCON. Precedence, highest first: -D system properties,
 * {@code --set} overrides, the {@code --config} file, -Dconfig.file / application.conf on the
 * classpath, reference.conf. Every problem is collected and reported at once, each with the path
 * of its key.
 */
public final class SettingsLoader {
  private static final String ROOT = "satlake";
  /** Customers in the clustering sample, at most: held on the driver as rows while collected. */
  private static final int MAX_CLUSTER_SAMPLE = 1_000_000;
  /** Repeated ids broadcast, at most: collected on the driver as rows. */
  private static final int MAX_BROADCAST_IDS = 10_000_000;
  /** Subtrees whose keys are the user's own (names of dimensions, Spark settings). */
  private static final Set<String> OPEN_SUBTREES = Set.of(
      "satlake.inputs.responses.dimension-columns", "satlake.satisfaction-index.weights", "satlake.spark.conf",
      "satlake.importance.extra-targets", "satlake.importance.performance-bounds", "satlake.importance.benchmarks");

  private final List<String> problems = new ArrayList<>();
  private final Config config;

  private SettingsLoader(Config config) {
    this.config = config;
  }

  /**
   * @param file the user's config file, or null
   * @param overrides {@code key=value} pairs from the command line; keys may omit "satlake."
   */
  public static Settings load(File file, Map<String, String> overrides) {
    Config reference = ConfigFactory.defaultReference();
    Config user = ConfigFactory.empty();
    if (file != null) {
      if (!file.isFile()) {
        throw SatlakeException.usage("config file not found: " + file);
      }
      user = parse(() -> ConfigFactory.parseFile(file, ConfigParseOptions.defaults().setAllowMissing(false)));
    }
    Map<String, String> qualified = new LinkedHashMap<>();
    overrides.forEach((k, v) -> qualified.put(k.startsWith(ROOT + ".") ? k : ROOT + "." + k, v));
    Config fromArgs = parse(() -> ConfigFactory.parseString(renderOverrides(qualified)));
    Config userLayers = ConfigFactory.defaultOverrides().withFallback(fromArgs).withFallback(user)
        .withFallback(ConfigFactory.defaultApplication());
    Config merged = parse(() -> userLayers.withFallback(reference).resolve());
    SettingsLoader loader = new SettingsLoader(merged);
    loader.rejectUnknownKeys(reference.root(), userLayers.root(), "");
    return loader.build();
  }

  /**
   * Each override value is parsed as HOCON (so lists, numbers and null work) when HOCON reads all
   * of it as one value; otherwise it is taken whole as a plain string. A value is never cut short:
   * HOCON would read the rest of {@code /tmp/wh//nightly} or {@code /data/run#2} as a comment.
   */
  private static String renderOverrides(Map<String, String> overrides) {
    StringBuilder hocon = new StringBuilder();
    for (Map.Entry<String, String> e : overrides.entrySet()) {
      String value = e.getValue();
      if (!wholeHoconValue(value)) {
        value = ConfigValueFactory.fromAnyRef(value).render(ConfigRenderOptions.concise());
      }
      hocon.append(e.getKey()).append(" = ").append(value).append('\n');
    }
    return hocon.toString();
  }

  /**
   * Whether HOCON reads all of {@code value} as one value: it parses, on one line, with no comment,
   * and sets no other key ({@code 5, other = 6}).
   */
  static boolean wholeHoconValue(String value) {
    if (endsEarly(value)) {
      return false;
    }
    try {
      return ConfigFactory.parseString("v = " + value).root().keySet().equals(Set.of("v"));
    } catch (ConfigException notHocon) {
      return false;
    }
  }

  /**
   * A {@code #} or {@code //} outside a quoted string (HOCON would drop the rest of the line as a
   * comment), or a line break there (a second line could set other keys or replace this one).
   */
  private static boolean endsEarly(String value) {
    boolean quoted = false;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (quoted) {
        if (c == '\\') {
          i++; // an escaped character, e.g. \"
        } else if (c == '"') {
          quoted = false;
        }
      } else if (value.startsWith("\"\"\"", i)) { // a triple-quoted string: no escapes, ends at the next """
        int end = value.indexOf("\"\"\"", i + 3);
        if (end < 0) {
          return false; // unterminated: not HOCON, taken as a string anyway
        }
        i = end + 2;
      } else if (c == '"') {
        quoted = true;
      } else if (c == '#' || value.startsWith("//", i) || c == '\n' || c == '\r') {
        return true;
      }
    }
    return false;
  }

  private static Config parse(Supplier<Config> parser) {
    try {
      return parser.get();
    } catch (ConfigException e) {
      throw SatlakeException.usage("invalid configuration: " + e.getMessage());
    }
  }

  private void rejectUnknownKeys(ConfigObject reference, ConfigObject user, String prefix) {
    for (Map.Entry<String, ConfigValue> entry : user.entrySet()) {
      String path = prefix.isEmpty() ? entry.getKey() : prefix + "." + entry.getKey();
      if (prefix.isEmpty() && !entry.getKey().equals(ROOT)) {
        continue; // other libraries' settings (akka, spark, ...) are not ours to judge
      }
      ConfigValue known = reference.get(entry.getKey());
      if (known == null) {
        problems.add(path + ": unknown key");
      } else if (known.valueType() == ConfigValueType.OBJECT
          && entry.getValue().valueType() == ConfigValueType.OBJECT
          && !OPEN_SUBTREES.contains(path)) {
        rejectUnknownKeys((ConfigObject) known, (ConfigObject) entry.getValue(), path);
      }
    }
  }

  private Settings build() {
    ResponsesInput responses = new ResponsesInput(
        optionalString("satlake.inputs.responses.path"),
        enumValue("satlake.inputs.responses.format", SourceFormat.class),
        columnMap("satlake.inputs.responses.columns"),
        columnMap("satlake.inputs.responses.dimension-columns"),
        datePattern("satlake.inputs.responses.date-format"),
        bool("satlake.inputs.responses.csv-multi-line"),
        csvDialect("satlake.inputs.responses"));
    CrmInput crm = new CrmInput(
        optionalString("satlake.inputs.crm.path"),
        enumValue("satlake.inputs.crm.format", SourceFormat.class),
        identifier("satlake.inputs.crm.customer-id-column"),
        intAtLeast("satlake.inputs.crm.broadcast-max-mb", 0),
        csvDialect("satlake.inputs.crm"));
    List<String> dimensions = identifiers("satlake.dimensions");
    List<String> behaviour = identifiers("satlake.behaviour-drivers");
    Map<String, String> dimensionSources = new LinkedHashMap<>();
    for (String d : dimensions) {
      dimensionSources.put(d, responses.dimensionColumns().getOrDefault(d, "dim_" + d));
    }
    for (String key : responses.dimensionColumns().keySet()) {
      if (!dimensions.contains(key)) {
        problems.add("satlake.inputs.responses.dimension-columns." + key + ": not a configured dimension");
      }
    }
    Map<String, Double> indexWeights = indexWeights(dimensions);
    Segments segments = segments(dimensions, behaviour);
    Window window = window();
    int minN = intAtLeast("satlake.min-n", 1);
    int rankBins = intAtLeast("satlake.correlations.rank-bins", 2);
    String warehouse = string("satlake.warehouse");
    String database = identifier("satlake.database");
    String scratch = optionalString("satlake.scratch-dir");
    if (scratch != null && scratch.isBlank()) {
      problems.add("satlake.scratch-dir: must name a folder, or be null for <warehouse>/_scratch");
    }
    String scratchDir = scratch != null ? scratch : warehouse == null ? null : warehouse + "/_scratch";
    SparkSettings spark = new SparkSettings(
        sparkMaster("satlake.spark.master"),
        string("satlake.spark.app-name"),
        intAtLeast("satlake.spark.shuffle-partitions", 0),
        enumValue("satlake.spark.catalog", Catalog.class),
        stringMap("satlake.spark.conf"));
    if (spark != null && spark.catalog() == Catalog.EMBEDDED && warehouse != null && warehouse.contains("://")
        && !warehouse.startsWith("file:")) {
      problems.add("satlake.spark.catalog: 'embedded' keeps its metastore beside the warehouse, which"
          + " must then be local; use 'shared' or 'hive' for a remote warehouse (" + warehouse + ")");
    }
    JdbcInput crmJdbc = crmJdbc(responses.format(), crm.format());
    Bi bi = bi(spark == null ? null : spark.catalog());
    PeriodGrain grain = enumValue("satlake.period-grain", PeriodGrain.class);
    UnmatchedPolicy policy = enumValue("satlake.unmatched-customer-policy", UnmatchedPolicy.class);
    int duplicatesBroadcastMaxIds = intAtLeast("satlake.duplicates-broadcast-max-ids", 0);
    if (duplicatesBroadcastMaxIds > MAX_BROADCAST_IDS) {
      problems.add("satlake.duplicates-broadcast-max-ids: at most " + MAX_BROADCAST_IDS
          + ", the ids are held in the driver's memory (is " + duplicatesBroadcastMaxIds + ")");
    }
    Importance importance = importance(dimensions, behaviour, segments);
    Weighting weighting = weighting(segments);
    Customers customers = customers(behaviour, segments.dimensions());
    Tracking tracking = tracking(responses.columns().containsKey("complaint_category"));
    if (!problems.isEmpty()) {
      throw SatlakeException.usage("invalid configuration:\n  " + String.join("\n  ", problems));
    }
    return new Settings(
        new ResponsesInput(responses.path(), responses.format(), responses.columns(), dimensionSources,
            responses.dateFormat(), responses.csvMultiLine(), responses.csv()),
        crm, dimensions, indexWeights, behaviour, segments, window, grain, minN, rankBins, policy, duplicatesBroadcastMaxIds, warehouse, database, scratchDir,
        spark,
        weighting, crmJdbc, bi, customers, tracking, hash(config.getConfig(ROOT)), importance);
  }

  private Importance importance(List<String> dimensions, List<String> behaviour, Segments segments) {
    String key = "satlake.importance";
    Map<String, Range> extraTargets = ranges(key + ".extra-targets");
    Set<String> taken = new HashSet<>(Settings.RESPONSE_FIELDS);
    taken.add(Settings.SATISFACTION_INDEX);
    taken.addAll(behaviour);
    dimensions.forEach(d -> taken.add("dim_" + d));
    taken.addAll(segments.dimensions());
    for (String name : extraTargets.keySet()) {
      if (!Identifiers.isSafe(name)) {
        problems.add(key + ".extra-targets." + name + ": not a valid column name");
      } else if (taken.contains(name)) {
        problems.add(key + ".extra-targets." + name + ": already a field, driver or segment");
      }
    }
    List<String> levels = identifiers(key + ".levels");
    for (String level : levels) {
      if (!segments.dimensions().contains(level)) {
        problems.add(key + ".levels: '" + level + "' is not in satlake.segments.dimensions");
      }
    }
    Map<String, Range> bounds = ranges(key + ".performance-bounds");
    for (String driver : bounds.keySet()) {
      if (!behaviour.contains(driver)) {
        problems.add(key + ".performance-bounds." + driver + ": not a behaviour driver (dimensions are 1-7)");
      }
    }
    List<String> drivers = new ArrayList<>(behaviour);
    dimensions.forEach(d -> drivers.add("dim_" + d));
    Map<String, Double> benchmarks = new LinkedHashMap<>();
    stringMap(key + ".benchmarks").forEach((driver, value) -> {
      Double benchmark = parseDouble(value);
      if (!drivers.contains(driver)) {
        problems.add(key + ".benchmarks." + driver + ": not a driver (one of " + drivers + ")");
      } else if (benchmark == null) {
        problems.add(key + ".benchmarks." + driver + ": '" + value + "' must be a number (0-100 performance)");
      } else {
        benchmarks.put(driver, benchmark);
      }
    });
    double warning = doubleAtLeast(key + ".condition-number-warning", 1);
    return new Importance(extraTargets, levels, intAtLeast(key + ".bootstrap-replicates", 0),
        longValue(key + ".seed"), warning, intAtLeast(key + ".logistic-max-rows", 1), bounds, benchmarks);
  }

  /** An object of name = [low, high] with low &lt; high. */
  private Map<String, Range> ranges(String path) {
    Map<String, Range> ranges = new LinkedHashMap<>();
    try {
      for (Map.Entry<String, ConfigValue> e : config.getConfig(path).root().entrySet()) {
        Object value = e.getValue().unwrapped();
        List<?> pair = value instanceof List<?> l ? l : List.of();
        Double low = pair.size() == 2 ? parseDouble(String.valueOf(pair.get(0))) : null;
        Double high = pair.size() == 2 ? parseDouble(String.valueOf(pair.get(1))) : null;
        if (low == null || high == null || !(low < high)) {
          problems.add(path + "." + e.getKey() + ": must be [low, high] with low < high (is " + value + ")");
        } else {
          ranges.put(e.getKey(), new Range(low, high));
        }
      }
    } catch (ConfigException e) {
      problems.add(path + ": must be an object of name = [low, high]");
    }
    return ranges;
  }

  private static Double parseDouble(String value) {
    try {
      double d = Double.parseDouble(value);
      return Double.isFinite(d) ? d : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private double doubleAtLeast(String path, double min) {
    try {
      double value = config.getDouble(path);
      if (!(value >= min)) {
        problems.add(path + ": must be at least " + min + " (is " + value + ")");
      }
      return value;
    } catch (ConfigException e) {
      problems.add(path + ": must be a number");
      return min;
    }
  }

  private long longValue(String path) {
    Long value = wholeNumber(path, Long.MIN_VALUE, Long.MAX_VALUE);
    return value == null ? 0 : value;
  }

  /**
   * The whole number at {@code path} within [min, max], or null with the problem recorded.
   * Typesafe's getInt and getLong would cut a fraction off: 1.5 read as 1, 0.9 as 0. A number
   * written with a point but without a fraction (5.0, 1e3) is whole.
   */
  private Long wholeNumber(String path, long min, long max) {
    try {
      Number number = config.getNumber(path); // also reads a quoted "5"
      double d = number.doubleValue();
      if (number instanceof Integer || number instanceof Long) {
        if (number.longValue() >= min && number.longValue() <= max) {
          return number.longValue();
        }
      } else if (d == Math.rint(d) && d >= min && d <= max) { // NaN and the infinities fail both
        return (long) d;
      }
    } catch (ConfigException e) {
      // not a number: the problem below
    }
    problems.add(path + ": must be a whole number");
    return null;
  }

  /** The CRM's JDBC source when its format is jdbc, else null. The password itself is never config. */
  private JdbcInput crmJdbc(SourceFormat responsesFormat, SourceFormat crmFormat) {
    String key = "satlake.inputs.crm.jdbc";
    if (responsesFormat == SourceFormat.JDBC) {
      problems.add("satlake.inputs.responses.format: jdbc is supported for the CRM only");
    }
    if (crmFormat != SourceFormat.JDBC) {
      return null;
    }
    String url = string(key + ".url");
    if (url != null && !url.startsWith("jdbc:")) {
      problems.add(key + ".url: must start with jdbc:");
    }
    String table = optionalString(key + ".table");
    String query = optionalString(key + ".query");
    if ((table == null) == (query == null)) {
      problems.add(key + ": set exactly one of table and query");
    }
    String passwordEnv = optionalString(key + ".password-env");
    if (passwordEnv != null && !passwordEnv.matches("[A-Za-z_][A-Za-z0-9_]*")) {
      problems.add(key + ".password-env: must name an environment variable (the password itself never goes in config)");
    } else if (passwordEnv != null && System.getenv(passwordEnv) == null) {
      problems.add(key + ".password-env: environment variable " + passwordEnv + " is not set");
    }
    String partitionColumn = optionalString(key + ".partition-column");
    if (partitionColumn != null && !Identifiers.isSafe(partitionColumn)) {
      problems.add(key + ".partition-column: '" + partitionColumn + "' is not a valid column name");
    }
    String lower = optionalString(key + ".lower-bound");
    String upper = optionalString(key + ".upper-bound");
    if ((partitionColumn == null) != (lower == null) || (partitionColumn == null) != (upper == null)) {
      problems.add(key + ": partition-column, lower-bound and upper-bound are set together or not at all");
    }
    return new JdbcInput(url, table, query, optionalString(key + ".user"), passwordEnv,
        optionalString(key + ".driver"), partitionColumn, lower, upper,
        intAtLeast(key + ".num-partitions", 1), intAtLeast(key + ".fetch-size", 1));
  }

  private Bi bi(Catalog catalog) {
    String metastoreUrl = optionalString("satlake.bi.metastore-url");
    if (catalog == Catalog.SHARED && (metastoreUrl == null || !metastoreUrl.startsWith("jdbc:"))) {
      problems.add("satlake.bi.metastore-url: catalog 'shared' needs the metastore's JDBC URL (jdbc:...)");
    }
    String viewsDatabase = optionalString("satlake.bi.views-database");
    if (viewsDatabase != null) {
      identifier("satlake.bi.views-database");
    }
    return new Bi(metastoreUrl, viewsDatabase);
  }

  /** A weight for every dimension: the configured one, 1 for a dimension not listed. */
  private Map<String, Double> indexWeights(List<String> dimensions) {
    String path = "satlake.satisfaction-index.weights";
    Map<String, Double> weights = new LinkedHashMap<>();
    dimensions.forEach(d -> weights.put(d, 1.0));
    stringMap(path).forEach((dimension, value) -> {
      if (!dimensions.contains(dimension)) {
        problems.add(path + "." + dimension + ": not a configured dimension");
        return;
      }
      try {
        double weight = Double.parseDouble(value);
        if (!(weight >= 0) || Double.isInfinite(weight)) {
          throw new NumberFormatException();
        }
        weights.put(dimension, weight);
      } catch (NumberFormatException e) {
        problems.add(path + "." + dimension + ": '" + value + "' must be a number >= 0");
      }
    });
    if (!dimensions.isEmpty() && weights.values().stream().allMatch(w -> w == 0)) {
      problems.add(path + ": at least one weight must be above 0");
    }
    return weights;
  }

  /**
   * complaints, trends, targets, benchmarks and alerts. Metric names and segment filters are
   * checked against the scored metrics when the run starts ({@code trends.Targets}).
   */
  private Tracking tracking(boolean complaintColumn) {
    double fdrRate = 0;
    try {
      fdrRate = config.getDouble("satlake.trends.fdr-rate");
      if (!(fdrRate > 0 && fdrRate < 1)) {
        problems.add("satlake.trends.fdr-rate: must be above 0 and below 1 (is " + fdrRate + ")");
      }
    } catch (ConfigException e) {
      problems.add("satlake.trends.fdr-rate: must be a number");
    }
    int rolling = intAtLeast("satlake.trends.rolling-periods", 0);
    if (rolling == 1) {
      problems.add("satlake.trends.rolling-periods: must be 0 (off) or at least 2");
    }
    List<Target> targets = new ArrayList<>();
    List<? extends Config> items = objects("satlake.targets.items");
    for (int i = 0; i < items.size(); i++) {
      String at = "satlake.targets.items[" + i + "]";
      Config item = items.get(i);
      allowedKeys(item, at, Set.of("metric", "segment", "base", "stretch", "due", "direction"));
      String direction = itemString(item, at, "direction", false);
      targets.add(new Target(itemString(item, at, "metric", true), orEmpty(itemString(item, at, "segment", false)),
          orZero(itemNumber(item, at, "base", true)), itemNumber(item, at, "stretch", false),
          itemDate(item, at, "due"), direction == null ? null : named(Direction.class, direction, at + ".direction"),
          at));
    }
    List<AlertRule> rules = new ArrayList<>();
    items = objects("satlake.alerts.rules");
    for (int i = 0; i < items.size(); i++) {
      String at = "satlake.alerts.rules[" + i + "]";
      Config item = items.get(i);
      allowedKeys(item, at, Set.of("metric", "segment", "below", "above", "severity"));
      Double below = itemNumber(item, at, "below", false);
      Double above = itemNumber(item, at, "above", false);
      if (below == null && above == null) {
        problems.add(at + ": needs 'below' or 'above'");
      }
      String severity = itemString(item, at, "severity", false);
      rules.add(new AlertRule(itemString(item, at, "metric", true), orEmpty(itemString(item, at, "segment", false)),
          below, above, severity == null ? Severity.WARNING : named(Severity.class, severity, at + ".severity"), at));
    }
    List<String> comparisons = identifiers("satlake.alerts.drop-comparisons");
    for (String c : comparisons) {
      if (!List.of("previous_period", "year_ago", "vs_rest").contains(c)) {
        problems.add("satlake.alerts.drop-comparisons: '" + c + "' is not one of previous_period, year_ago, vs_rest");
      }
    }
    boolean exitOnCritical = false;
    try {
      exitOnCritical = config.getBoolean("satlake.alerts.exit-on-critical");
    } catch (ConfigException e) {
      problems.add("satlake.alerts.exit-on-critical: must be true or false");
    }
    return new Tracking(identifiers("satlake.complaints.categories"), complaintColumn, fdrRate,
        enumValue("satlake.trends.fdr-family", Tracking.FdrFamily.class), rolling,
        optionalString("satlake.targets.file"), targets, intAtLeast("satlake.targets.trend-periods", 3),
        optionalString("satlake.benchmarks.file"), rules, comparisons,
        enumValue("satlake.alerts.drop-severity", Severity.class),
        enumValue("satlake.alerts.target-severity", Severity.class), exitOnCritical);
  }

  private List<? extends Config> objects(String path) {
    try {
      return config.getConfigList(path);
    } catch (ConfigException e) {
      problems.add(path + ": must be a list of objects");
      return List.of();
    }
  }

  private void allowedKeys(Config item, String at, Set<String> allowed) {
    item.root().keySet().stream().filter(k -> !allowed.contains(k)).sorted()
        .forEach(k -> problems.add(at + "." + k + ": unknown key (allowed: " + String.join(", ", new java.util.TreeSet<>(allowed)) + ")"));
  }

  private String itemString(Config item, String at, String key, boolean required) {
    try {
      if (item.hasPath(key)) {
        return item.getString(key);
      }
      if (required) {
        problems.add(at + "." + key + ": must be set");
      }
    } catch (ConfigException e) {
      problems.add(at + "." + key + ": must be a string");
    }
    return null;
  }

  private Double itemNumber(Config item, String at, String key, boolean required) {
    try {
      if (item.hasPath(key)) {
        return item.getDouble(key);
      }
      if (required) {
        problems.add(at + "." + key + ": must be set");
      }
    } catch (ConfigException e) {
      problems.add(at + "." + key + ": must be a number");
    }
    return null;
  }

  private LocalDate itemDate(Config item, String at, String key) {
    String value = itemString(item, at, key, false);
    try {
      return value == null ? null : LocalDate.parse(value);
    } catch (DateTimeParseException e) {
      problems.add(at + "." + key + ": '" + value + "' is not a date (yyyy-MM-dd)");
      return null;
    }
  }

  private <E extends Enum<E>> E named(Class<E> type, String value, String path) {
    for (E constant : type.getEnumConstants()) {
      if (constant.name().replace('_', '-').equalsIgnoreCase(value.replace('_', '-'))) {
        return constant;
      }
    }
    problems.add(path + ": '" + value + "' is not one of " + java.util.Arrays.stream(type.getEnumConstants())
        .map(c -> c.name().toLowerCase(Locale.ROOT)).toList());
    return null;
  }

  private static String orEmpty(String s) {
    return s == null ? "" : s.trim();
  }

  private static double orZero(Double d) {
    return d == null ? 0 : d;
  }

  private Segments segments(List<String> dimensions, List<String> behaviour) {
    List<String> segmentDims = identifiers("satlake.segments.dimensions");
    List<List<String>> combinations = new ArrayList<>();
    String combinationsKey = "satlake.segments.combinations";
    try {
      for (List<?> combination : config.getAnyRefList(combinationsKey).stream()
          .map(o -> o instanceof List<?> l ? l : List.of(o)).toList()) {
        List<String> names = combination.stream().map(String::valueOf).toList();
        if (names.size() < 2 || new HashSet<>(names).size() != names.size()
            || !segmentDims.containsAll(names)) {
          problems.add(combinationsKey + ": " + names
              + " must list two or more different names from satlake.segments.dimensions");
        } else {
          combinations.add(names);
        }
      }
    } catch (ConfigException e) {
      problems.add(combinationsKey + ": must be a list of lists of names");
    }
    List<String> correlationLevels = identifiers("satlake.segments.correlation-levels");
    for (String level : correlationLevels) {
      if (!segmentDims.contains(level)) {
        problems.add("satlake.segments.correlation-levels: '" + level
            + "' is not in satlake.segments.dimensions");
      }
    }
    Set<String> taken = new HashSet<>(Settings.RESPONSE_FIELDS);
    taken.removeAll(List.of("channel", "complaint_category"));
    taken.addAll(behaviour);
    dimensions.forEach(d -> taken.add("dim_" + d));
    for (String s : segmentDims) {
      if (taken.contains(s)) {
        problems.add("satlake.segments.dimensions: '" + s + "' is a score, key or driver, not a segment");
      }
    }
    return new Segments(segmentDims, combinations, correlationLevels);
  }

  private Weighting weighting(Segments segments) {
    List<String> dimensions = identifiers("satlake.weighting.dimensions");
    for (String d : dimensions) {
      if (!segments.dimensions().contains(d)) {
        problems.add("satlake.weighting.dimensions: '" + d + "' is not in satlake.segments.dimensions");
      }
    }
    double tolerance = number("satlake.weighting.tolerance");
    if (!(tolerance > 0 && tolerance < 1)) {
      problems.add("satlake.weighting.tolerance: must be above 0 and below 1 (is " + tolerance + ")");
    }
    // Raking makes the mean weight 1, so the bounds must bracket 1.
    double trimMin = number("satlake.weighting.trim.min");
    double trimMax = number("satlake.weighting.trim.max");
    if (!(trimMin > 0 && trimMin <= 1)) {
      problems.add("satlake.weighting.trim.min: must be above 0 and at most 1 (is " + trimMin + ")");
    }
    if (!(trimMax >= 1) || Double.isInfinite(trimMax)) {
      problems.add("satlake.weighting.trim.max: must be a number of at least 1 (is " + trimMax + ")");
    }
    return new Weighting(dimensions, intAtLeast("satlake.weighting.max-iterations", 1), tolerance, trimMin, trimMax);
  }

  private Customers customers(List<String> behaviour, List<String> segmentDims) {
    String key = "satlake.customers";
    String churned = optionalIdentifier(key + ".churned-column");
    String signup = optionalIdentifier(key + ".signup-date-column");
    Customers.Tiers tiers = new Customers.Tiers(
        identifier(key + ".tiers.column"),
        enumValue(key + ".tiers.mode", TierMode.class),
        shareBetween0And1(key + ".tiers.high-value-top-share"),
        shareBetween0And1(key + ".tiers.low-bottom-share"),
        bool(key + ".tiers.churned-is-at-risk"));
    List<String> clusterColumns = identifiers(key + ".clusters.columns");
    for (String c : clusterColumns) {
      if (!behaviour.contains(c)) {
        problems.add(key + ".clusters.columns: '" + c + "' is not in satlake.behaviour-drivers");
      }
    }
    int k = intAtLeast(key + ".clusters.k", 0);
    int kMin = intAtLeast(key + ".clusters.k-min", 2);
    int kMax = intAtLeast(key + ".clusters.k-max", 2);
    if (k == 1 || k > 50) {
      problems.add(key + ".clusters.k: must be 0 (choose by silhouette) or 2..50 (is " + k + ")");
    }
    if (kMax < kMin || kMax > 50) {
      problems.add(key + ".clusters.k-max: must be within k-min (" + kMin + ") .. 50 (is " + kMax + ")");
    }
    int sampleSize = intAtLeast(key + ".clusters.sample-size", 100);
    if (sampleSize > MAX_CLUSTER_SAMPLE) {
      problems.add(key + ".clusters.sample-size: at most " + MAX_CLUSTER_SAMPLE
          + ", the sample is held in the driver's memory (is " + sampleSize + ")");
    }
    Customers.Clusters clusters = new Customers.Clusters(bool(key + ".clusters.enabled"),
        clusterColumns.isEmpty() ? behaviour : clusterColumns, k, kMin, kMax,
        sampleSize, intAtLeast(key + ".clusters.max-iterations", 1),
        longValue(key + ".clusters.seed"));
    if (segmentDims.contains(Customers.CLUSTER) && !clusters.enabled()) {
      problems.add("satlake.segments.dimensions: '" + Customers.CLUSTER + "' needs " + key + ".clusters.enabled = true");
    }
    for (String attribute : List.of(Customers.CHURNED, Customers.SIGNUP_DATE, Customers.CLUSTER)) {
      if (behaviour.contains(attribute)) {
        problems.add("satlake.behaviour-drivers: '" + attribute + "' is a customer attribute of " + key
            + ", not a numeric driver");
      }
    }
    for (String attribute : List.of(Customers.CHURNED, Customers.SIGNUP_DATE)) {
      if (segmentDims.contains(attribute)) {
        problems.add("satlake.segments.dimensions: '" + attribute + "' is a customer attribute, not a segment");
      }
    }
    return new Customers(churned, signup, datePattern(key + ".signup-date-format"),
        optionalIdentifier(key + ".spend-column"), optionalIdentifier(key + ".visits-column"),
        optionalIdentifier(key + ".feature-usage-column"), tiers, clusters);
  }

  private Window window() {
    WindowMode mode = enumValue("satlake.window.mode", WindowMode.class);
    int trailingDays = intAtLeast("satlake.window.trailing-days", 1);
    LocalDate start = optionalDate("satlake.window.start");
    LocalDate end = optionalDate("satlake.window.end");
    if (mode == WindowMode.EXPLICIT) {
      if (start == null || end == null) {
        problems.add("satlake.window: mode 'explicit' needs both start and end (yyyy-MM-dd)");
      } else if (end.isBefore(start)) {
        problems.add("satlake.window.end: " + end + " is before start " + start);
      }
    }
    return new Window(mode, trailingDays, start, end);
  }

  // --- typed readers: each records a problem with the key's path instead of throwing ---------

  private String string(String path) {
    String value = optionalString(path);
    if (value == null || value.isBlank()) {
      problems.add(path + ": must be set");
    }
    return value;
  }

  /** Spark's own master URLs, as SparkContext matches them (a regex of Spark's that is not public). */
  private static final java.util.regex.Pattern SPARK_MASTER = java.util.regex.Pattern.compile(
      "local|local\\[(?:[0-9]+|\\*)\\]|local\\[(?:[0-9]+|\\*)\\s*,\\s*[0-9]+\\]"
      + "|local-cluster\\[\\s*[0-9]+\\s*,\\s*[0-9]+\\s*,\\s*[0-9]+\\s*]|spark://.*");

  /**
   * A master URL that Spark can start: one of its own (local, local[N], local[*], local[N,F],
   * local-cluster[W,C,M], spark://...) or one a cluster manager on the classpath takes (yarn,
   * k8s://... where those are installed). Anything else Spark refuses only when the session starts,
   * with a stack trace.
   */
  private String sparkMaster(String path) {
    String master = string(path);
    // spark-submit's master (a system property by then) wins and the key goes unused: no check,
    // as the cluster's managers (yarn, k8s) need not be on this classpath
    if (master == null || master.isBlank() || System.getProperty("spark.master") != null) {
      return master;
    }
    boolean known = SPARK_MASTER.matcher(master).matches()
        && !master.matches("local\\[0+\\s*(?:,.*)?\\]"); // Spark refuses 0 threads
    if (!known) {
      ClassLoader loader = Thread.currentThread().getContextClassLoader();
      for (org.apache.spark.scheduler.ExternalClusterManager manager : java.util.ServiceLoader.load(
          org.apache.spark.scheduler.ExternalClusterManager.class,
          loader != null ? loader : SettingsLoader.class.getClassLoader())) {
        known |= manager.canCreate(master);
      }
    }
    if (!known) {
      problems.add(path + ": '" + master + "' is not a Spark master URL (local, local[N], local[*], local[N,F],"
          + " local-cluster[W,C,M], spark://HOST:PORT, or a URL a cluster manager on the classpath takes)");
    }
    return master;
  }

  /**
   * A date pattern, checked as Spark checks the pattern of {@code to_timestamp} when it parses with
   * it (stricter than java.time: week-based letters, E, F, q, Q and some widths are refused), so a
   * bad pattern is a configuration problem here instead of a failed run.
   */
  private String datePattern(String path) {
    String pattern = string(path);
    if (pattern == null || pattern.isBlank()) {
      return pattern;
    }
    try {
      // What Spark's to_timestamp builds for a constant pattern under the CORRECTED parser policy
      // that runs set (SparkSessions.configureRun): SIMPLE_DATE_FORMAT for legacy, parsing
      new Iso8601TimestampFormatter(pattern, ZoneOffset.UTC, TimestampFormatter.defaultLocale(),
          LegacyDateFormats.SIMPLE_DATE_FORMAT(), true).validatePatternString(true);
    } catch (RuntimeException e) {
      problems.add(path + ": '" + pattern + "' is not a date pattern Spark can parse with ("
          + SatlakeException.innermostMessage(e) + "; see README, Configuration)");
    }
    return pattern;
  }

  private String optionalString(String path) {
    try {
      return config.hasPath(path) ? config.getString(path) : null;
    } catch (ConfigException e) {
      problems.add(path + ": must be a string");
      return null;
    }
  }

  /** The CSV dialect of an input ({@code input}.csv-delimiter, .csv-encoding, .csv-decimal-separator). */
  private CsvDialect csvDialect(String input) {
    String delimiter = optionalString(input + ".csv-delimiter");
    if (delimiter == null || delimiter.length() != 1 || "\"\r\n".contains(delimiter)) {
      problems.add(input + ".csv-delimiter: must be one character other than a quote or a line break, e.g. \";\""
          + " or \"\\t\" (is " + (delimiter == null ? "not set" : "'" + delimiter + "'") + ")");
    }
    String encoding = optionalString(input + ".csv-encoding");
    try {
      // Records are split at line-break bytes before they are decoded: the encoding must write
      // line breaks, quotes and the common delimiters as ASCII does (UTF-16 and UTF-32 do not).
      String ascii = "\r\n\",;\t|";
      if (!Arrays.equals(ascii.getBytes(Charset.forName(encoding)), ascii.getBytes(StandardCharsets.US_ASCII))) {
        problems.add(input + ".csv-encoding: '" + encoding + "' does not write line breaks as ASCII does; convert"
            + " the files to UTF-8 (or another ASCII-compatible encoding)");
      }
    } catch (IllegalArgumentException e) { // also a null name
      problems.add(input + ".csv-encoding: '" + encoding + "' is not a character set this JVM knows, e.g. UTF-8,"
          + " windows-1252, GB18030, Shift_JIS");
    }
    String decimalSeparator = optionalString(input + ".csv-decimal-separator");
    if (!".".equals(decimalSeparator) && !",".equals(decimalSeparator)) {
      problems.add(input + ".csv-decimal-separator: must be \".\" or \",\" (is "
          + (decimalSeparator == null ? "not set" : "'" + decimalSeparator + "'") + ")");
    }
    return new CsvDialect(delimiter, encoding, decimalSeparator);
  }

  private String identifier(String path) {
    String value = string(path);
    if (value != null && !value.isBlank() && !Identifiers.isSafe(value)) {
      problems.add(path + ": '" + value + "' is not a valid name (letters, digits, _; not starting with a digit)");
    }
    return value;
  }

  /** A name, or null when the key is null (the column is absent). */
  private String optionalIdentifier(String path) {
    String value = optionalString(path);
    if (value != null && !Identifiers.isSafe(value)) {
      problems.add(path + ": '" + value + "' is not a valid name (letters, digits, _; not starting with a digit)");
    }
    return value;
  }

  private double shareBetween0And1(String path) {
    try {
      double value = config.getDouble(path);
      if (!(value > 0 && value < 1)) {
        problems.add(path + ": must be between 0 and 1, exclusive (is " + value + ")");
      }
      return value;
    } catch (ConfigException e) {
      problems.add(path + ": must be a number");
      return Double.NaN;
    }
  }

  private boolean bool(String path) {
    try {
      return config.getBoolean(path);
    } catch (ConfigException e) {
      problems.add(path + ": must be true or false");
      return false;
    }
  }


  private List<String> identifiers(String path) {
    try {
      List<String> values = config.getStringList(path);
      for (String v : values) {
        if (!Identifiers.isSafe(v)) {
          problems.add(path + ": '" + v + "' is not a valid name");
        }
      }
      if (new HashSet<>(values).size() != values.size()) {
        problems.add(path + ": lists a name twice");
      }
      return values;
    } catch (ConfigException e) {
      problems.add(path + ": must be a list of names");
      return List.of();
    }
  }

  private Map<String, String> columnMap(String path) {
    Map<String, String> map = stringMap(path);
    map.forEach((key, column) -> {
      if (!Identifiers.isSafe(column)) {
        problems.add(path + "." + key + ": '" + column + "' is not a valid column name");
      }
    });
    return map;
  }

  private Map<String, String> stringMap(String path) {
    Map<String, String> map = new LinkedHashMap<>();
    try {
      // entrySet keys are path expressions: a quoted key ("spark.hadoop.fs.s3a.endpoint") keeps its quotes
      config.getConfig(path).entrySet().forEach(e -> map.put(String.join(".", ConfigUtil.splitPath(e.getKey())),
          String.valueOf(e.getValue().unwrapped())));
    } catch (ConfigException e) {
      problems.add(path + ": must be an object of key = value");
    }
    return map;
  }

  private int intAtLeast(String path, int min) {
    Long whole = wholeNumber(path, Integer.MIN_VALUE, Integer.MAX_VALUE);
    if (whole == null) {
      return min;
    }
    int value = whole.intValue();
    if (value < min) {
      problems.add(path + ": must be at least " + min + " (is " + value + ")");
    }
    return value;
  }

  private double number(String path) {
    try {
      return config.getDouble(path);
    } catch (ConfigException e) {
      problems.add(path + ": must be a number");
      return Double.NaN;
    }
  }

  private LocalDate optionalDate(String path) {
    String value = optionalString(path);
    if (value == null) {
      return null;
    }
    try {
      return LocalDate.parse(value);
    } catch (DateTimeParseException e) {
      problems.add(path + ": '" + value + "' is not a date (yyyy-MM-dd)");
      return null;
    }
  }

  private <E extends Enum<E>> E enumValue(String path, Class<E> type) {
    String value = optionalString(path);
    List<String> allowed = new ArrayList<>();
    for (E constant : type.getEnumConstants()) {
      String name = constant.name().toLowerCase(Locale.ROOT).replace('_', '-');
      allowed.add(name);
      if (name.equalsIgnoreCase(value)) {
        return constant;
      }
    }
    problems.add(path + ": '" + value + "' is not one of " + String.join(", ", allowed));
    return null;
  }

  private static String hash(Config satlake) {
    String canonical = satlake.root().render(ConfigRenderOptions.concise().setJson(true));
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest).substring(0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
