package io.satlake.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import io.satlake.SatlakeException;
import io.satlake.config.Settings.Catalog;
import io.satlake.config.Settings.CrmInput;
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
import io.satlake.config.Settings.Window;
import io.satlake.config.Settings.WindowMode;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Builds {@link Settings} from HOCON. Precedence, highest first: -D system properties,
 * {@code --set} overrides, the {@code --config} file, -Dconfig.file / application.conf on the
 * classpath, reference.conf. Every problem is collected and reported at once, each with the path
 * of its key.
 */
public final class SettingsLoader {
  private static final String ROOT = "satlake";
  /** Subtrees whose keys are the user's own (names of dimensions, Spark settings). */
  private static final Set<String> OPEN_SUBTREES = Set.of(
      "satlake.inputs.responses.dimension-columns", "satlake.satisfaction-index.weights", "satlake.spark.conf");

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

  /** Each override value is parsed as HOCON (so lists work) unless that fails, then as a string. */
  private static String renderOverrides(Map<String, String> overrides) {
    StringBuilder hocon = new StringBuilder();
    for (Map.Entry<String, String> e : overrides.entrySet()) {
      String value = e.getValue();
      try {
        ConfigFactory.parseString("v = " + value);
      } catch (ConfigException notHocon) {
        value = ConfigValueFactory.fromAnyRef(value).render(ConfigRenderOptions.concise());
      }
      hocon.append(e.getKey()).append(" = ").append(value).append('\n');
    }
    return hocon.toString();
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
        string("satlake.inputs.responses.date-format"));
    CrmInput crm = new CrmInput(
        optionalString("satlake.inputs.crm.path"),
        enumValue("satlake.inputs.crm.format", SourceFormat.class),
        identifier("satlake.inputs.crm.customer-id-column"),
        intAtLeast("satlake.inputs.crm.broadcast-max-mb", 0));
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
    String warehouse = string("satlake.warehouse");
    String database = identifier("satlake.database");
    SparkSettings spark = new SparkSettings(
        string("satlake.spark.master"),
        string("satlake.spark.app-name"),
        intAtLeast("satlake.spark.shuffle-partitions", 0),
        enumValue("satlake.spark.catalog", Catalog.class),
        stringMap("satlake.spark.conf"));
    if (spark != null && spark.catalog() == Catalog.EMBEDDED && warehouse != null && warehouse.contains("://")
        && !warehouse.startsWith("file:")) {
      problems.add("satlake.spark.catalog: 'embedded' keeps its metastore beside the warehouse, which"
          + " must then be local; use 'hive' for a remote warehouse (" + warehouse + ")");
    }
    PeriodGrain grain = enumValue("satlake.period-grain", PeriodGrain.class);
    UnmatchedPolicy policy = enumValue("satlake.unmatched-customer-policy", UnmatchedPolicy.class);
    Tracking tracking = tracking(responses.columns().containsKey("complaint_category"));
    if (!problems.isEmpty()) {
      throw SatlakeException.usage("invalid configuration:\n  " + String.join("\n  ", problems));
    }
    return new Settings(
        new ResponsesInput(responses.path(), responses.format(), responses.columns(), dimensionSources,
            responses.dateFormat()),
        crm, dimensions, indexWeights, behaviour, segments, window, grain, minN, policy, warehouse, database, spark,
        tracking, hash(config.getConfig(ROOT)));
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
    return new Tracking(identifiers("satlake.complaints.categories"), complaintColumn, fdrRate, rolling,
        optionalString("satlake.targets.file"), targets, intAtLeast("satlake.targets.trend-periods", 2),
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

  private String optionalString(String path) {
    try {
      return config.hasPath(path) ? config.getString(path) : null;
    } catch (ConfigException e) {
      problems.add(path + ": must be a string");
      return null;
    }
  }

  private String identifier(String path) {
    String value = string(path);
    if (value != null && !value.isBlank() && !Identifiers.isSafe(value)) {
      problems.add(path + ": '" + value + "' is not a valid name (letters, digits, _; not starting with a digit)");
    }
    return value;
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
      config.getConfig(path).entrySet().forEach(e -> map.put(e.getKey(), String.valueOf(e.getValue().unwrapped())));
    } catch (ConfigException e) {
      problems.add(path + ": must be an object of key = value");
    }
    return map;
  }

  private int intAtLeast(String path, int min) {
    try {
      int value = config.getInt(path);
      if (value < min) {
        problems.add(path + ": must be at least " + min + " (is " + value + ")");
      }
      return value;
    } catch (ConfigException e) {
      problems.add(path + ": must be a whole number");
      return min;
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
