package io.satlake.testing;

import io.satlake.SatisfactionPipeline;
import io.satlake.config.Settings;
import io.satlake.config.SettingsLoader;
import io.satlake.io.Sources;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Small hand-written inputs on disk and settings that point at them. */
public final class TestInputs {
  private TestInputs() {}

  /** Writes lines (joined with \n) to dir/name/part.csv and returns the folder. */
  public static Path csv(Path dir, String name, String... lines) {
    return csv(dir, name, StandardCharsets.UTF_8, lines);
  }

  /** As {@link #csv(Path, String, String...)}, in the given encoding. */
  public static Path csv(Path dir, String name, Charset encoding, String... lines) {
    return write(dir, name, "part.csv", encoding, lines);
  }

  /** Writes JSON lines (joined with \n) to dir/name/part.json and returns the folder. */
  public static Path json(Path dir, String name, String... lines) {
    return write(dir, name, "part.json", StandardCharsets.UTF_8, lines);
  }

  private static Path write(Path dir, String name, String file, Charset encoding, String... lines) {
    try {
      Path folder = Files.createDirectories(dir.resolve(name));
      Files.writeString(folder.resolve(file), String.join("\n", lines) + "\n", encoding);
      return folder;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Settings for a small model: one dimension (quality), one behaviour driver (visits), segments
   * channel and region, correlation level region; then the given overrides.
   */
  public static Settings small(Path responses, Path crm, Path warehouse, String... overrides) {
    Map<String, String> o = new LinkedHashMap<>();
    o.put("inputs.responses.path", responses.toString());
    o.put("inputs.crm.path", crm.toString());
    o.put("dimensions", "[quality]");
    o.put("behaviour-drivers", "[visits]");
    o.put("segments.dimensions", "[channel, region]");
    o.put("segments.combinations", "[[channel, region]]");
    o.put("segments.correlation-levels", "[region]");
    o.put("warehouse", warehouse.toString());
    o.put("spark.catalog", "in-memory");
    for (String kv : overrides) {
      int at = kv.indexOf('=');
      o.put(kv.substring(0, at), kv.substring(at + 1));
    }
    return SettingsLoader.load(null, o);
  }

  /**
   * Validates and joins the inputs of {@link #small} settings through the real sources, with
   * region from the CRM and the window ending 2025-12-31.
   */
  public static SatisfactionPipeline.Analysis analyse(Settings settings) {
    return SatisfactionPipeline.analyse(Sources.responses(SharedSpark.spark(), settings),
        Sources.crm(SharedSpark.spark(), settings, List.of("region")), settings,
        settings.window().resolve(LocalDate.of(2025, 12, 31)), List.of("region"));
  }
}
