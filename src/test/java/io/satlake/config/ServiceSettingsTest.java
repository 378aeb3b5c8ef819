package io.satlake.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.satlake.SatlakeException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Settings of the production services: S3A keys in spark.conf, the shared metastore, BI views. */
class ServiceSettingsTest {
  static Settings load(String... kv) {
    Map<String, String> o = new LinkedHashMap<>();
    o.put("inputs.responses.path", "in/responses");
    o.put("inputs.crm.path", "in/crm");
    for (String pair : kv) {
      int at = pair.indexOf('=');
      o.put(pair.substring(0, at), pair.substring(at + 1));
    }
    return SettingsLoader.load(null, o);
  }

  @Test
  void quotedSparkConfKeysKeepTheirDotsAndLoseTheirQuotes() {
    // "endpoint" and "endpoint.region" can only both be set as quoted keys
    Settings s = load("spark.conf={\"spark.hadoop.fs.s3a.endpoint\" = \"http://127.0.0.1:9000\","
        + " \"spark.hadoop.fs.s3a.endpoint.region\" = us-east-1}");
    assertEquals(Map.of("spark.hadoop.fs.s3a.endpoint", "http://127.0.0.1:9000",
        "spark.hadoop.fs.s3a.endpoint.region", "us-east-1"), s.spark().conf());
  }

  @Test
  void theSharedCatalogNeedsAMetastoreUrlAndTakesARemoteWarehouse() {
    Settings shared = load("spark.catalog=shared", "warehouse=s3a://lake/satlake");
    assertEquals(Settings.Catalog.SHARED, shared.spark().catalog());
    assertEquals("jdbc:derby://127.0.0.1:1527/metastore_db;create=true", shared.bi().metastoreUrl());
    SatlakeException noUrl = assertThrows(SatlakeException.class,
        () -> load("spark.catalog=shared", "bi.metastore-url=null"));
    assertTrue(noUrl.getMessage().contains("satlake.bi.metastore-url: catalog 'shared' needs"), noUrl.getMessage());
    SatlakeException embedded = assertThrows(SatlakeException.class, () -> load("warehouse=s3a://lake/satlake"));
    assertTrue(embedded.getMessage().contains("use 'shared' or 'hive' for a remote warehouse"), embedded.getMessage());
  }

  @Test
  void scratchLivesUnderTheWarehouseUnlessConfigured() {
    assertEquals("/data/lake/_scratch", load("warehouse=/data/lake").scratchDir());
    assertEquals("hdfs:///tmp/satlake", load("warehouse=/data/lake", "scratch-dir=\"hdfs:///tmp/satlake\"").scratchDir());
    SatlakeException blank = assertThrows(SatlakeException.class, () -> load("scratch-dir=\"\""));
    assertTrue(blank.getMessage().contains("satlake.scratch-dir: must name a folder"), blank.getMessage());
  }

  @Test
  void biViewsGoToSatlakeBiUnlessSwitchedOff() {
    assertEquals("satlake_bi", load().bi().viewsDatabase());
    assertNull(load("bi.views-database=null").bi().viewsDatabase());
    assertThrows(SatlakeException.class, () -> load("bi.views-database=bad-name"));
  }
}
