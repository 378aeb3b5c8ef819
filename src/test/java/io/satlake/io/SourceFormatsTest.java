package io.satlake.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.satlake.SatisfactionPipeline;
import io.satlake.SatlakeException;
import io.satlake.config.Settings;
import io.satlake.config.SettingsLoader;
import io.satlake.quality.ResponseValidator;
import io.satlake.sample.SampleDataGenerator;
import io.satlake.testing.SharedSpark;
import io.satlake.testing.TestInputs;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same typed sample as Parquet, JSON lines and Delta: identical facts and reason counts; CSV
 * records across lines.
 */
class SourceFormatsTest {
  @TempDir
  static Path dir;
  static SparkSession spark;
  static SampleDataGenerator.Summary planted;

  @BeforeAll
  static void writeEveryFormat() {
    spark = SharedSpark.spark();
    planted = SampleDataGenerator.generate(spark, new SampleDataGenerator.Options(400, 50,
        dir.resolve("parquet").toString(), SampleDataGenerator.Format.PARQUET, 3));
    for (String input : List.of("responses", "crm")) {
      Dataset<Row> rows = spark.read().parquet(dir.resolve("parquet/" + input).toString());
      rows.write().json(dir.resolve("json/" + input).toString());
      rows.write().format("delta").save(dir.resolve("delta/" + input).toString());
    }
  }

  static SatisfactionPipeline.Analysis analyse(String format) {
    return analyse(SettingsLoader.load(null, Map.of(
        "inputs.responses.path", dir.resolve(format + "/responses").toString(),
        "inputs.responses.format", format,
        "inputs.crm.path", dir.resolve(format + "/crm").toString(),
        "inputs.crm.format", format,
        "spark.catalog", "in-memory")));
  }

  static SatisfactionPipeline.Analysis analyse(Settings settings) {
    Sources.RawResponses raw = Sources.responses(spark, settings);
    List<String> crmSegments = settings.segments().dimensions().stream()
        .filter(s -> !raw.segmentColumns().contains(s)).toList();
    return SatisfactionPipeline.analyse(raw, Sources.crm(spark, settings, crmSegments), settings,
        settings.window().resolve(LocalDate.of(2025, 12, 31)), crmSegments);
  }

  static Map<String, Long> reasons(SatisfactionPipeline.Analysis analysis) {
    Map<String, Long> counts = new TreeMap<>();
    ResponseValidator.split(analysis.responses()).rejected().groupBy("reason").count().collectAsList()
        .forEach(r -> counts.put(r.getString(0), r.getLong(1)));
    return counts;
  }

  @Test
  void csvFieldsSpanLinesOnlyWhenConfigured() {
    Path responses = TestInputs.csv(dir, "multi-line",
        "response_id,customer_id,survey_date,channel,nps,csat,ces,dim_quality,complaint_category,comment",
        "m1,c1,2025-01-15,web,9,5,2,7,,\"line one\r\nline two, still m1\"",
        "m2,c1,2025-01-16,app,7,4,3,6,,plain");
    Path crm = TestInputs.csv(dir, "multi-line-crm", "customer_id,region,visits", "c1,north,4");
    // RFC 4180: the quoted comment's line break is part of the field
    SatisfactionPipeline.Analysis spanning = analyse(
        TestInputs.small(responses, crm, dir.resolve("wh"), "inputs.responses.csv-multi-line=true"));
    assertEquals(Map.of(), reasons(spanning));
    assertEquals(List.of("m1", "m2"), spanning.facts().orderBy("response_id").select("response_id")
        .as(Encoders.STRING()).collectAsList());
    assertEquals(2, spanning.facts().filter("has_comment").count());
    // the default reads one record per line: the second line of m1 is a malformed record of its own
    SatisfactionPipeline.Analysis byLine = analyse(TestInputs.small(responses, crm, dir.resolve("wh")));
    assertEquals(3, byLine.responses().count());
    assertEquals(Map.of("MALFORMED_RECORD", 1L), reasons(byLine));
  }

  @Test
  void multiLineCsvSkipsLinesOfOnlyWhitespace() {
    Path responses = TestInputs.csv(dir, "multi-line-blank",
        "response_id,customer_id,survey_date,channel,nps,csat,ces,dim_quality,complaint_category,comment",
        "   ",
        "w1,c1,2025-01-15,web,9,5,2,7,,\"first\n   \nlast\"", // a line of spaces inside quotes is the field's
        "\t",
        "",
        "w2,c1,2025-01-16,app,7,4,3,6,,",
        " \t ");
    Path crm = TestInputs.csv(dir, "multi-line-blank-crm", "customer_id,region,visits", "c1,north,4");
    SatisfactionPipeline.Analysis analysis = analyse(
        TestInputs.small(responses, crm, dir.resolve("wh"), "inputs.responses.csv-multi-line=true"));
    assertEquals(2, analysis.responses().count()); // w1 and w2; the three whitespace lines and the empty one hold no record
    assertEquals(Map.of(), reasons(analysis));
    assertEquals(List.of(RowFactory.create("w1", true), RowFactory.create("w2", false)),
        analysis.facts().orderBy("response_id").select("response_id", "has_comment").collectAsList());
  }

  @Test
  void csvInAnotherDialectReadsTheSameValues() {
    // a European spreadsheet export: semicolons, windows-1252, a comma inside an unquoted field
    Path responses = TestInputs.csv(dir, "semicolons", Charset.forName("windows-1252"),
        "response_id;customer_id;survey_date;channel;nps;csat;ces;dim_quality;complaint_category;comment",
        "s1;c1;2025-01-15;téléphone;9;5;2;7;;Très bien, merci",
        "s2;c2;2025-01-16;web;\"11\";4;3;6;;\"quoted; with the delimiter\"");
    // a CRM exported as tab-separated GB18030, with decimal commas: a point is then no decimal
    Path crm = TestInputs.csv(dir, "tabs", Charset.forName("GB18030"),
        "customer_id\tregion\tvisits", "c1\t华东\t4,5", "c2\t华北\t2.5", "c3\t华南\t-,5e1");
    Settings settings = TestInputs.small(responses, crm, dir.resolve("wh"),
        "inputs.responses.csv-delimiter=;", "inputs.responses.csv-encoding=windows-1252",
        "inputs.crm.csv-delimiter=\"\\t\"", "inputs.crm.csv-encoding=GB18030", "inputs.crm.csv-decimal-separator=,");
    SatisfactionPipeline.Analysis analysis = analyse(settings);
    assertEquals(Map.of("SCORE_OUT_OF_RANGE", 1L), reasons(analysis)); // s2's nps 11, read from its quotes
    Row s1 = analysis.facts().first();
    assertEquals(List.of("s1", "téléphone", "华东", 9, 4.5, true), List.of(s1.getAs("response_id"), s1.getAs("channel"),
        s1.getAs("region"), s1.<Integer>getAs("nps"), s1.<Double>getAs("visits"), s1.<Boolean>getAs("has_comment")));
    List<Row> crmRejected = ResponseValidator.split(analysis.crm()).rejected().select("reason", "detail").collectAsList();
    assertEquals(List.of(RowFactory.create("MALFORMED_RECORD", "visits=2.5")), crmRejected);
    assertEquals(-5.0, ResponseValidator.split(analysis.crm()).accepted().filter("customer_id = 'c3'")
        .select("visits").as(Encoders.DOUBLE()).first(), 0.0);
  }

  @Test
  void aCsvHeaderWithAnUnnamedOrRepeatedColumnIsBadInput() {
    // a spreadsheet export: an empty column 6 and a trailing comma on every line
    Path responses = TestInputs.csv(dir, "unnamed-columns",
        "response_id,customer_id,survey_date,channel,nps,,csat,ces,dim_quality,complaint_category,comment,",
        "u1,c1,2025-01-15,web,9,,5,2,7,,,");
    Path crm = TestInputs.csv(dir, "repeated-columns", "customer_id,region,extra,visits,Extra,EXTRA,note,note",
        "c1,north,1,4,2,3,a,b");
    Path goodResponses = TestInputs.csv(dir, "good-responses",
        "response_id,customer_id,survey_date,channel,nps,csat,ces,dim_quality,complaint_category,comment",
        "u1,c1,2025-01-15,web,9,5,2,7,,");
    Path goodCrm = TestInputs.csv(dir, "good-crm", "customer_id,region,visits", "c1,north,4");

    SatlakeException unnamed = assertThrows(SatlakeException.class,
        () -> analyse(TestInputs.small(responses, goodCrm, dir.resolve("wh"))));
    assertEquals(SatlakeException.ExitCode.BAD_INPUT, unnamed.exitCode());
    assertEquals("satlake.inputs.responses.path: the header of " + responses.resolve("part.csv").toUri()
        + " cannot be used: column 6 has no name; column 12 has no name (a trailing comma?)", unnamed.getMessage());

    SatlakeException repeated = assertThrows(SatlakeException.class,
        () -> analyse(TestInputs.small(goodResponses, crm, dir.resolve("wh"))));
    assertEquals(SatlakeException.ExitCode.BAD_INPUT, repeated.exitCode());
    assertEquals("satlake.inputs.crm.path: the header of " + crm.resolve("part.csv").toUri() + " cannot be used:"
        + " column names 'extra', 'Extra' and 'EXTRA' are one name to Spark, which ignores case (columns 3, 5 and 6);"
        + " column name 'note' appears twice (columns 7 and 8)", repeated.getMessage());
  }

  @Test
  void aCsvDialectThatCannotBeReadIsAConfigurationError() {
    SatlakeException e = assertThrows(SatlakeException.class,
        () -> TestInputs.small(dir, dir, dir.resolve("wh"), "inputs.responses.csv-delimiter=ab",
            "inputs.responses.csv-encoding=UTF-16", "inputs.crm.csv-encoding=latin-99",
            "inputs.crm.csv-decimal-separator=;"));
    String message = e.getMessage();
    assertTrue(message.contains("satlake.inputs.responses.csv-delimiter: must be one"
        + " character other than a quote or a line break") && message.contains("(is 'ab')"), message);
    assertTrue(message.contains("satlake.inputs.responses.csv-encoding: 'UTF-16'"
        + " does not write line breaks as ASCII does"), message);
    assertTrue(message.contains("satlake.inputs.crm.csv-decimal-separator: must be \".\" or \",\" (is ';')"),
        message);
    assertTrue(message.contains("satlake.inputs.crm.csv-encoding: 'latin-99' is not"
        + " a character set this JVM knows"), message);
  }

  @Test
  void everyNonBlankJsonLineIsOneRowAcceptedOrMalformed() {
    String head = "\"customer_id\":\"c1\",\"survey_date\":\"2025-01-15\",\"channel\":\"web\"";
    List<String> malformed = List.of(
        "{\"response_id\":\"j2\"," + head + ",\"nps\":9}{\"response_id\":\"j3\"," + head + ",\"nps\":8}",
        "{\"response_id\":\"j4\"," + head + ",\"nps\":8} trailing",
        "[]",
        "[{\"response_id\":\"j5\"," + head + ",\"nps\":7},{\"response_id\":\"j6\"," + head + ",\"nps\":6}]",
        "7");
    Path responses = TestInputs.json(dir, "json-lines",
        "\uFEFF{\"response_id\":\"j1\"," + head + ",\"nps\":\"9\"}", // a byte-order mark opens the file
        malformed.get(0), malformed.get(1), "   ", malformed.get(2), "", malformed.get(3), malformed.get(4),
        "{\"response_id\":\"j7\"," + head + ",\"nps\":10}  \t",
        "{'response_id':'j8','customer_id':'c1','survey_date':'2025-01-15','nps':3}", // Spark allows single quotes
        "{\"response_id\":\"j1\"," + head + ",\"nps\":0}");
    Path crm = TestInputs.json(dir, "json-lines-crm",
        "{\"customer_id\":\"c1\",\"region\":\"north\",\"visits\":4}",
        "{\"customer_id\":\"c2\",\"region\":\"north\",\"visits\":4}{\"customer_id\":\"c3\"}");
    SatisfactionPipeline.Analysis analysis = analyse(TestInputs.small(responses, crm, dir.resolve("wh"),
        "inputs.responses.format=json", "inputs.crm.format=json"));
    // 9 non-blank lines, one row each: 5 not exactly one object, j1, j7, j8 and j1 again
    assertEquals(9, analysis.responses().count());
    assertEquals(Map.of("MALFORMED_RECORD", 5L, "DUPLICATE_RESPONSE_ID", 1L), reasons(analysis));
    assertEquals(malformed.stream().sorted().toList(), ResponseValidator.split(analysis.responses()).rejected()
        .filter("reason = 'MALFORMED_RECORD'").select(ResponseValidator.RAW_RECORD).as(Encoders.STRING())
        .collectAsList().stream().sorted().toList());
    // the first j1 in input order is kept
    assertEquals(List.of(RowFactory.create("j1", 9), RowFactory.create("j7", 10), RowFactory.create("j8", 3)),
        analysis.facts().orderBy("response_id").select("response_id", "nps").collectAsList());
    // the CRM is read alike: the line with two customers is one malformed row
    assertEquals(List.of(RowFactory.create("MALFORMED_RECORD",
            "{\"customer_id\":\"c2\",\"region\":\"north\",\"visits\":4}{\"customer_id\":\"c3\"}")),
        ResponseValidator.split(analysis.crm()).rejected().select("reason", ResponseValidator.RAW_RECORD).collectAsList());
  }

  @Test
  void anEmptyJsonFolderIsBadInput() throws IOException {
    Path noFiles = Files.createDirectories(dir.resolve("empty-json"));
    // an export that wrote nothing: files of zero bytes
    Path emptyFiles = Files.createDirectories(dir.resolve("empty-json-files"));
    Files.createFile(emptyFiles.resolve("part-0.json"));
    Files.createFile(emptyFiles.resolve("part-1.json"));
    Path some = TestInputs.json(dir, "some-json",
        "{\"response_id\":\"e1\",\"customer_id\":\"c1\",\"survey_date\":\"2025-01-15\",\"nps\":9}");
    for (Path empty : List.of(noFiles, emptyFiles)) {
      for (String input : List.of("responses", "crm")) {
        Settings settings = TestInputs.small(input.equals("responses") ? empty : some,
            input.equals("crm") ? empty : some, dir.resolve("wh"), "inputs.responses.format=json",
            "inputs.crm.format=json");
        SatlakeException e = assertThrows(SatlakeException.class, () -> analyse(settings));
        assertEquals(SatlakeException.ExitCode.BAD_INPUT, e.exitCode());
        assertEquals("satlake.inputs." + input + ".path: no json data under " + empty + " (an empty folder?)",
            e.getMessage());
      }
    }
  }

  @Test
  void everyFormatYieldsTheSameFactsAndReasons() {
    Map<String, Long> expected = new TreeMap<>(planted.plantedBadRows());
    expected.values().removeIf(n -> n == 0); // Parquet cannot hold malformed lines or bad dates
    SatisfactionPipeline.Analysis parquet = analyse("parquet");
    assertEquals(expected, reasons(parquet));
    assertEquals(planted.goodResponses(), parquet.facts().count());
    Dataset<Row> reference = parquet.facts();
    for (String format : List.of("json", "delta")) {
      SatisfactionPipeline.Analysis other = analyse(format);
      assertEquals(expected, reasons(other), format);
      SharedSpark.base().assertDataFrameNoOrderEquals(reference, other.facts());
    }
  }
}
