// The field corpus (examples/configs/field): connector and worker configs
// modelled key for key on public ones (each names its origin), answered by
// `ferry validate --lenient` as Kafka Connect + kcbq 2.x would run them, and
// run against the embedded Kafka and the BigQuery emulator with only the
// values their authors fill in for their own site replaced (bootstrap servers,
// the registry, the key file) and the emulator's endpoints added.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "config/config_providers.h"
#include "config/properties.h"
#include "kafka/consumer.h"
#include "kafka/producer.h"
#include "runtime/worker.h"
#include "schemaregistry/test_registry.h"
#include "tests/component_env.h"

namespace ferry::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::IsSupersetOf;
using Props = std::map<std::string, std::string>;
using nlohmann::json;
namespace bq = ::ferry::bigquery;

std::string FieldFile(const std::string& name) {
  return absl::StrCat(FERRY_EXAMPLES_DIR, "/configs/field/", name);
}

// A file of the corpus with its ${provider:…} references resolved.
Props LoadField(const std::string& name) {
  auto file = LoadConfigFile(FieldFile(name));
  EXPECT_TRUE(file.ok()) << file.status();
  if (!file.ok()) return {};
  auto providers = ConfigProviders::FromWorkerConfig({});
  auto resolved = providers->Resolve(file->props);
  EXPECT_TRUE(resolved.ok()) << resolved.status();
  return resolved.ok() ? resolved->props : Props{};
}

// A service-account key file with a fresh RSA key, as the Google Cloud
// console hands them out; the emulator's token endpoint takes its JWTs.
std::string WriteServiceAccountKey(const std::string& path) {
  EVP_PKEY* key = EVP_RSA_gen(2048);
  EXPECT_NE(key, nullptr);
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  const std::string pem(data, static_cast<size_t>(n));
  BIO_free(bio);
  EVP_PKEY_free(key);
  const std::string text =
      json{{"type", "service_account"},
           {"project_id", "coinone-data-dev"},
           {"private_key_id", "0123456789abcdef"},
           {"private_key", pem},
           {"client_email", "ferry-test@coinone-data-dev.iam.gserviceaccount.com"},
           {"client_id", "1"},
           {"token_uri", "https://oauth2.googleapis.com/token"}}
          .dump();
  std::ofstream(path) << text;
  return text;
}

// `ferry validate --lenient --format json` of some corpus files.
json ValidateLenient(const std::vector<std::string>& names) {
  const std::string log = ::testing::TempDir() + "/field_validate.log";
  std::filesystem::remove(log);
  std::vector<std::string> args = {FERRY_BINARY, "validate", "--lenient", "--format", "json"};
  for (const std::string& n : names) args.push_back(FieldFile(n));
  FerryProcess p(args, log);
  EXPECT_TRUE(p.started());
  p.Wait(std::chrono::seconds(60));
  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  const std::string out = text.str();
  return json::parse(out.substr(std::min(out.find('{'), out.size())), nullptr, false);
}

std::set<std::string> Keys(const json& problems) {
  std::set<std::string> keys;
  for (const json& p : problems) keys.insert(p["key"].get<std::string>());
  return keys;
}

// Avro values in Confluent's wire format, written by an encoder that is not
// ferry's: Debian's python3-avro, registering the schema in `registry` as a
// Confluent producer does (src/convert/testdata/avro_encode.py).
std::vector<std::string> AvroEncode(const std::string& registry, const std::string& subject,
                                    const std::string& schema, const std::string& values) {
  const std::string spec_path =
      absl::StrCat(::testing::TempDir(), "avro_spec_", getpid(), "_", subject, ".json");
  std::ofstream(spec_path) << absl::StrCat(R"({"subject": ")", subject, R"(", "schema": )", schema,
                                           R"(, "values": )", values, "}");
  const std::string command =
      absl::StrCat("/usr/bin/python3 ", FERRY_AVRO_ENCODE, " encode ", registry, " ", spec_path);
  FILE* pipe = popen(command.c_str(), "r");
  EXPECT_NE(pipe, nullptr);
  std::vector<std::string> out;
  if (pipe == nullptr) return out;
  char line[65536];
  while (fgets(line, sizeof(line), pipe) != nullptr) {
    std::string hex(line);
    while (!hex.empty() && (hex.back() == '\n' || hex.back() == '\r')) hex.pop_back();
    out.push_back(absl::HexStringToBytes(hex));
  }
  EXPECT_EQ(pclose(pipe), 0) << command;
  return out;
}

struct Verdict {
  std::string file;
  std::set<std::string> errors;    // exactly these keys refuse it.
  std::set<std::string> warnings;  // at least these keys warn.
};

// Every connector config of the corpus: accepted (with the warnings Connect
// would log) or refused for the reasons asserted, key by key.
TEST(FieldCorpusTest, LenientValidationAnswersEveryConnectorConfig) {
  ASSERT_EQ(setenv("DATASET", "playground", 1), 0);
  ASSERT_EQ(setenv("PROJECT", "vincent-de-saboulin-lab", 1), 0);
  ASSERT_EQ(setenv("KEYFILE_CONTENT", "{\"type\": \"service_account\"}", 1), 0);
  const std::vector<Verdict> verdicts = {
      {"01-seed-serverlog-dev.properties", {}, {"errors.log.include.message"}},
      {"02-seed-serverlog-prod.properties", {}, {"errors.log.include.message"}},
      {"03-kcbq-quickstart.properties", {}, {"autoUpdateSchemas"}},
      {"05-kcbq-quickstart-dev-revision.properties", {}, {}},
      {"06-playground-bigquery-sink.properties",
       {},
       {"bufferSize", "maxWriteSize", "tableWriteWait"}},
      {"07-playground-bigquery-sink-kcbq1.properties",
       {"defaultDataset", "schemaRetriever"},
       {"datasets", "autoUpdateSchemas", "schemaRegistryLocation", "bufferSize"}},
      {"08-playground-repro-smt.properties", {}, {"bufferSize", "maxWriteSize", "tableWriteWait"}},
      {"09-playground-topics-regex.properties", {}, {"bufferSize", "maxWriteSize"}},
      {"10-aiven-readme-sample.properties", {"defaultDataset"}, {}},
      {"13-k8s-streamtobq-kcbq1.properties",
       {"defaultDataset", "schemaRetriever"},
       {"datasets", "topicsToTables", "includeKafkaData", "schemaRegistryLocation",
        "errorsLogEnable"}},
      {"14-lenses-test2bq-kcbq1.properties",
       {"defaultDataset", "schemaRetriever", "key.converter", "value.converter",
        "header.converter"},
       {"datasets", "topicsToTables", "includeKafkaData"}},
      {"15-playground-topics-regex-kcbq1.properties",
       {"defaultDataset", "schemaRetriever"},
       {"datasets", "autoUpdateSchemas", "schemaRegistryLocation"}},
  };
  std::vector<std::string> names;
  for (const Verdict& v : verdicts) names.push_back(v.file);
  const json report = ValidateLenient(names);
  ASSERT_TRUE(report.is_object()) << report;
  ASSERT_EQ(report["configs"].size(), verdicts.size());
  for (size_t i = 0; i < verdicts.size(); ++i) {
    const json& c = report["configs"][i];
    SCOPED_TRACE(verdicts[i].file + ": " + c.dump());
    EXPECT_EQ(Keys(c["errors"]), verdicts[i].errors);
    EXPECT_THAT(Keys(c["warnings"]), IsSupersetOf(verdicts[i].warnings));
    EXPECT_EQ(c["valid"], verdicts[i].errors.empty());
  }
  // The messages users read for the commonest cases.
  const json& aiven = report["configs"][8]["errors"][0];
  EXPECT_EQ(aiven["message"],
            "Invalid dataset ID \"kcbq-example\". Dataset IDs must be alphanumeric (plus "
            "underscores) and must be at most 1024 characters long.");
  for (const json& w : report["configs"][0]["warnings"]) {
    EXPECT_THAT(w["message"].get<std::string>(), HasSubstr("errors.log.include.messages"));
  }
}

// The worker configs: Kafka's own two, and kcbq's quickstart worker.
TEST(FieldCorpusTest, WorkerConfigsAreAnsweredAsConnectWould) {
  auto warnings_of = [](const std::string& name) {
    Props props = LoadField(name);
    std::vector<ConfigError> errors = runtime::ValidateWorkerConfig(props);
    std::set<std::string> blocking, ignorable;
    for (const ConfigError& e : errors) (e.ignorable ? ignorable : blocking).insert(e.key);
    EXPECT_THAT(blocking, ::testing::IsEmpty()) << name;
    return ignorable;
  };
  EXPECT_THAT(warnings_of("11-kafka-connect-standalone.properties"), ::testing::IsEmpty());
  EXPECT_EQ(warnings_of("12-kafka-connect-distributed.properties"),
            (std::set<std::string>{"group.id", "offset.storage.topic",
                                   "offset.storage.replication.factor", "config.storage.topic",
                                   "config.storage.replication.factor", "status.storage.topic",
                                   "status.storage.replication.factor"}));
  EXPECT_EQ(warnings_of("04-kcbq-quickstart-standalone.properties"),
            (std::set<std::string>{"internal.key.converter", "internal.value.converter",
                                   "internal.key.converter.schemas.enable",
                                   "internal.value.converter.schemas.enable"}));
}

class FieldRunTest : public ::testing::Test {
 protected:
  void Start(std::vector<std::string> topics, const std::string& project) {
    auto env = ComponentEnv::Start({.topics = std::move(topics), .project = project});
    ASSERT_TRUE(env.ok()) << env.status();
    env_ = std::move(*env);
    dir_ = absl::StrCat(::testing::TempDir(), "field_", getpid(), "_",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }

  // A worker config of the corpus, at this embedded Kafka.
  Props Worker(const std::string& name) {
    Props w = LoadField(name);
    w["bootstrap.servers"] = env_->bootstrap();
    w["offset.storage.file.filename"] = dir_ + "/connect.offsets";
    return w;
  }

  // The emulator's endpoints (and its token endpoint, for key files).
  void PointAtEmulator(Props& connector) {
    connector["ferry.bigquery.rest.endpoint"] = env_->bigquery().rest_endpoint();
    connector["ferry.bigquery.storage.endpoint"] = env_->bigquery().grpc_endpoint();
    connector["ferry.bigquery.token.endpoint"] = env_->bigquery().rest_endpoint() + "/token";
  }

  void Send(const std::vector<kafka::ProducerRecord>& records) {
    auto producer = kafka::Producer::Create({{"bootstrap.servers", env_->bootstrap()}});
    ASSERT_TRUE(producer.ok()) << producer.status();
    for (const auto& r : records) ASSERT_TRUE((*producer)->Send(r).ok());
    ASSERT_TRUE((*producer)->Flush(30000).ok());
    ASSERT_EQ((*producer)->failed(), 0);
  }

  // Runs until `rows` rows are in dataset.table, then stops gracefully.
  void RunUntilRows(const Props& worker, const Props& connector, const std::string& dataset,
                    const std::string& table, size_t rows) {
    RunUntilRows(worker, connector, dataset, std::vector<std::string>{table}, rows);
  }

  // Runs until every one of `tables` holds at least `rows` rows (or a task fails).
  void RunUntilRows(const Props& worker, const Props& connector, const std::string& dataset,
                    const std::vector<std::string>& tables, size_t rows) {
    auto w = WorkerThread::Start(worker, {connector}, {});
    ASSERT_TRUE(w.ok()) << w.status();
    const bool done = (*w)->WaitUntil(
        [&] {
          for (const auto& c : (*w)->worker().Status()) {
            for (const auto& t : c.tasks) {
              if (t.state == runtime::TaskState::kFailed) return true;
            }
          }
          for (const std::string& table : tables) {
            auto r = env_->ReadTable(dataset, table);
            if (!r.ok() || r->size() < rows) return false;
          }
          return true;
        },
        absl::Seconds(180));
    for (const auto& c : (*w)->worker().Status()) {
      for (const auto& t : c.tasks) ASSERT_NE(t.state, runtime::TaskState::kFailed) << t.trace;
    }
    ASSERT_TRUE(done);
    (*w)->Stop();
    ASSERT_TRUE((*w)->Wait().ok());
  }

  bq::Table Table(const std::string& project, const std::string& dataset,
                  const std::string& table) {
    auto rest = env_->Rest();
    EXPECT_TRUE(rest.ok());
    auto t = (*rest)->GetTable({project, dataset, table});
    EXPECT_TRUE(t.ok()) << t.status();
    return t.ok() ? *t : bq::Table{};
  }

  std::unique_ptr<ComponentEnv> env_;
  std::string dir_;
};

// The connector the brief's team ran (01): twelve topics into one table,
// binary-mode CloudEvents whose ce_* headers become columns, ce_time parsed
// with SimpleDateFormat and partitioning the table, the value as a JSON
// string, its own consumer group, and a service-account key file. Run with
// Kafka's own standalone worker config (11). Only the key file's path is
// replaced (the original names a secret mount).
TEST_F(FieldRunTest, SeedServerlogConnectorRunsUnchanged) {
  Props connector = LoadField("01-seed-serverlog-dev.properties");
  ASSERT_FALSE(connector.empty());
  const std::string project = connector.at("project");
  std::vector<std::string> topic_specs;
  std::vector<std::string> topics = absl::StrSplit(connector.at("topics"), ',');
  for (const std::string& t : topics) topic_specs.push_back(t + ":1");
  Start(topic_specs, project);
  ASSERT_TRUE(env_->CreateDataset("serverlog").ok());
  connector["keyfile"] = dir_ + "/KRDEV-SVA-BIGQUERY-MSK";
  WriteServiceAccountKey(connector["keyfile"]);
  PointAtEmulator(connector);

  const std::string schema =
      R"({"type":"struct","optional":false,"fields":[{"field":"member_id","type":"int64"},)"
      R"({"field":"channel","type":"string","optional":true}]})";
  std::vector<kafka::ProducerRecord> records;
  const std::vector<std::string> used = {topics[0], topics[3], topics[11]};
  for (int i = 0; i < 30; ++i) {
    kafka::ProducerRecord r;
    r.topic = used[i % used.size()];
    r.value = absl::StrCat(R"({"schema":)", schema, R"(,"payload":{"member_id":)", 1000 + i,
                           R"(,"channel":"app"}})");
    r.headers = {{"ce_specversion", "1.0"},
                 {"ce_type", "com.coinone.event.user"},
                 {"ce_source", "/member"},
                 {"ce_id", absl::StrCat("id-", i)},
                 {"ce_time", absl::StrCat("2026-11-24T10:00:", 10 + i, ".250Z")},
                 {"ce_subject", "event.user.signup_complete"}};
    records.push_back(std::move(r));
  }
  Send(records);
  RunUntilRows(Worker("11-kafka-connect-standalone.properties"), connector, "serverlog",
               "serverlog_kafka", 30);

  auto rows = env_->ReadTable("serverlog", "serverlog_kafka");
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 30u);
  std::set<std::string> ids;
  for (const json& row : *rows) {
    ids.insert(row["ce_id"].get<std::string>());
    // As on Connect: SimpleHeaderConverter reads "1.0" as the INT8 1
    // (Values.parseString: a whole number is the smallest integer type) and
    // HeaderToField's STRING writes it as "1".
    EXPECT_EQ(row["ce_specversion"], "1");
    EXPECT_EQ(row["ce_subject"], "event.user.signup_complete");
    const json value = json::parse(row["value"].get<std::string>());
    EXPECT_EQ(value["channel"], "app");
    EXPECT_TRUE(value["member_id"].is_number_integer()) << row["value"];
    // ce_time: "2026-11-24T10:00:SS.250Z" read as yyyy-MM-dd'T'HH:mm:ss.SSS.
    const int i = std::stoi(row["ce_id"].get<std::string>().substr(3));
    EXPECT_EQ(row["ce_time"].get<std::string>(),
              std::to_string((int64_t{1795514400} + 10 + i) * 1000000 + 250000));
  }
  EXPECT_EQ(ids.size(), 30u);
  const bq::Table t = Table(project, "serverlog", "serverlog_kafka");
  ASSERT_TRUE(t.time_partitioning.has_value());
  EXPECT_EQ(t.time_partitioning->field, "ce_time");
  // Its own group (consumer.override.group.id), committed to the end.
  for (const std::string& topic : used) {
    auto committed = kafka::CommittedOffsets(env_->bootstrap(),
                                             "BIGQUERY-SINK-CONNECTOR.CONSUMER-GROUP", topic, 1);
    ASSERT_TRUE(committed.ok()) << committed.status();
    EXPECT_EQ(committed->at(0), 10) << topic;
  }
}

// kcbq's quickstart committed with a developer's values (05): its key file is
// on a laptop. The worker refuses to start, naming the file (as
// `ferry standalone` prints it), rather than restarting a task in a loop.
TEST_F(FieldRunTest, QuickstartDevRevisionIsRefusedNamingItsKeyfile) {
  Start({"bugfix_case2:1"}, "cloud-private-dev");
  Props connector = LoadField("05-kcbq-quickstart-dev-revision.properties");
  PointAtEmulator(connector);
  auto w = WorkerThread::Start(Worker("11-kafka-connect-standalone.properties"), {connector}, {});
  ASSERT_TRUE(w.ok()) << w.status();
  const absl::Status run = (*w)->Wait();
  EXPECT_EQ(run.code(), absl::StatusCode::kNotFound) << run;
  EXPECT_THAT(std::string(run.message()),
              HasSubstr("keyfile /Users/bhagyashree/Downloads/cloud-private-dev-8f8a0417f646.json: "
                        "No such file or directory"));
}

// kcbq's own 2.x quickstart (03 with its worker 04): Avro keys and values
// through the Schema Registry, RegexRouter, sanitized topic names, the removed
// autoUpdateSchemas. Only the quickstart's blanks are filled in (project,
// defaultDataset; keyfile stays empty) and the worker's addresses pointed here.
TEST_F(FieldRunTest, KcbqQuickstartRunsUnchanged) {
  Start({"kcbq-quickstart:1"}, "quickstart-project");
  auto registry = schemaregistry::testing::TestRegistry::Start();
  ASSERT_TRUE(registry.ok()) << registry.status();
  ASSERT_TRUE(env_->CreateDataset("quickstart").ok());
  Props worker = Worker("04-kcbq-quickstart-standalone.properties");
  worker["key.converter.schema.registry.url"] = (*registry)->url();
  worker["value.converter.schema.registry.url"] = (*registry)->url();
  Props connector = LoadField("03-kcbq-quickstart.properties");
  connector["project"] = "quickstart-project";
  connector["defaultDataset"] = "quickstart";
  PointAtEmulator(connector);
  // The quickstart's avro-console-producer schema and its README's records.
  const std::vector<std::string> values = AvroEncode(
      (*registry)->url(), "kcbq-quickstart-value",
      R"({"type":"record","name":"myrecord","fields":[{"name":"f1","type":"string"}]})",
      R"([{"f1": "Testing the Kafka-BigQuery Connector!"}, {"f1": "value2"}, {"f1": "value3"}])");
  ASSERT_EQ(values.size(), 3u);
  std::vector<kafka::ProducerRecord> records;
  for (const std::string& v : values) records.push_back({.topic = "kcbq-quickstart", .value = v});
  Send(records);
  RunUntilRows(worker, connector, "quickstart", "kcbq_quickstart", 3);
  auto rows = env_->ReadTable("quickstart", "kcbq_quickstart");
  ASSERT_TRUE(rows.ok()) << rows.status();
  std::multiset<std::string> f1;
  for (const json& row : *rows) f1.insert(row["f1"].get<std::string>());
  EXPECT_EQ(f1, (std::multiset<std::string>{"Testing the Kafka-BigQuery Connector!", "value2",
                                            "value3"}));
  const bq::Table t = Table("quickstart-project", "quickstart", "kcbq_quickstart");
  ASSERT_EQ(t.schema.fields.size(), 1u);
  EXPECT_EQ(t.schema.fields[0].name, "f1");
  EXPECT_EQ(t.schema.fields[0].type, bq::FieldType::kString);
  EXPECT_EQ(t.schema.fields[0].mode, bq::FieldMode::kRequired);
}

// The playground's worker: string keys, Avro values through its registry.
Props PlaygroundWorker(Props worker, const std::string& registry) {
  worker["key.converter"] = "org.apache.kafka.connect.storage.StringConverter";
  worker["value.converter"] = "io.confluent.connect.avro.AvroConverter";
  worker["value.converter.schema.registry.url"] = registry;
  return worker;
}

// kafka-docker-playground's sink (06): the removed kcbq 1.x buffer keys warn,
// and the service-account JSON itself is in keyfile (keySource left at FILE).
TEST_F(FieldRunTest, PlaygroundSinkRunsWithTheKeyInKeyfile) {
  Start({"kcbq-quickstart1:1"}, "vincent-de-saboulin-lab");
  auto registry = schemaregistry::testing::TestRegistry::Start();
  ASSERT_TRUE(registry.ok()) << registry.status();
  ASSERT_TRUE(env_->CreateDataset("pgrootds").ok());
  ASSERT_EQ(setenv("DATASET", "pgrootds", 1), 0);
  ASSERT_EQ(setenv("PROJECT", "vincent-de-saboulin-lab", 1), 0);
  const std::string key = WriteServiceAccountKey(dir_ + "/keyfile.json");
  ASSERT_EQ(setenv("KEYFILE_CONTENT", key.c_str(), 1), 0);
  Props connector = LoadField("06-playground-bigquery-sink.properties");
  EXPECT_EQ(connector.at("keyfile"), key);
  PointAtEmulator(connector);
  std::string list = "[";
  for (int i = 1; i <= 10; ++i)
    absl::StrAppend(&list, i > 1 ? ", " : "", R"({"f1": "value)", i, R"("})");
  const std::vector<std::string> values =
      AvroEncode((*registry)->url(), "kcbq-quickstart1-value",
                 R"({"type":"record","name":"myrecord","fields":[{"name":"f1","type":"string"}]})",
                 list + "]");
  ASSERT_EQ(values.size(), 10u);
  std::vector<kafka::ProducerRecord> records;
  for (const std::string& v : values) records.push_back({.topic = "kcbq-quickstart1", .value = v});
  Send(records);
  RunUntilRows(
      PlaygroundWorker(Worker("11-kafka-connect-standalone.properties"), (*registry)->url()),
      connector, "pgrootds", "kcbq_quickstart1", 10);
  auto rows = env_->ReadTable("pgrootds", "kcbq_quickstart1");
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(rows->size(), 10u);
}

// The playground's SMT reproduction (08): Avro values hoisted into "payload",
// a static field and the offset inserted, every schema-update flag, and a
// dead-letter queue with context headers for a record that is not Avro.
TEST_F(FieldRunTest, PlaygroundSmtChainAndDeadLetterQueue) {
  Start({"customer-avro:1"}, "vincent-de-saboulin-lab");
  auto registry = schemaregistry::testing::TestRegistry::Start();
  ASSERT_TRUE(registry.ok()) << registry.status();
  ASSERT_TRUE(env_->CreateDataset("pgrootds").ok());
  ASSERT_EQ(setenv("DATASET", "pgrootds", 1), 0);
  ASSERT_EQ(setenv("PROJECT", "vincent-de-saboulin-lab", 1), 0);
  // The playground mounts its key at /tmp/keyfile.json; written atomically.
  const std::string staged = absl::StrCat("/tmp/keyfile.json.", getpid());
  WriteServiceAccountKey(staged);
  ASSERT_EQ(rename(staged.c_str(), "/tmp/keyfile.json"), 0);
  Props connector = LoadField("08-playground-repro-smt.properties");
  connector["value.converter.schema.registry.url"] = (*registry)->url();
  PointAtEmulator(connector);
  const std::vector<std::string> values = AvroEncode(
      (*registry)->url(), "customer-avro-value",
      R"({"type":"record","name":"Customer","namespace":"com.github.vdesabou","fields":[)"
      R"({"name":"count","type":"long"},{"name":"first_name","type":"string"},)"
      R"({"name":"last_name","type":["null","string"],"default":null}]})",
      R"([{"count": 1, "first_name": "Ada", "last_name": "Lovelace"},
          {"count": 2, "first_name": "Alan", "last_name": null}])");
  ASSERT_EQ(values.size(), 2u);
  Send({{.topic = "customer-avro", .value = values[0]},
        {.topic = "customer-avro", .value = std::string("{\"not\": \"avro\"}")},
        {.topic = "customer-avro", .value = values[1]}});
  RunUntilRows(Worker("11-kafka-connect-standalone.properties"), connector, "pgrootds",
               "customer_avro", 2);
  auto rows = env_->ReadTable("pgrootds", "customer_avro");
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 2u);
  std::set<std::string> names;
  for (const json& row : *rows) {
    names.insert(row["payload"]["first_name"].get<std::string>());
    EXPECT_EQ(row["MessageSource"], "Kafka Connect framework");
    EXPECT_TRUE(row["offset"] == "0" || row["offset"] == "2") << row;
  }
  EXPECT_EQ(names, (std::set<std::string>{"Ada", "Alan"}));
  // The record that is not Avro went to the dead-letter queue, with Connect's
  // context headers.
  auto dlq = env_->ReadTopic("dlq");
  ASSERT_TRUE(dlq.ok()) << dlq.status();
  ASSERT_EQ(dlq->size(), 1u);
  std::map<std::string, std::string> headers;
  for (const auto& [k, v] : (*dlq)[0].headers) headers[k] = v.value_or("");
  EXPECT_EQ(headers["__connect.errors.topic"], "customer-avro");
  EXPECT_EQ(headers["__connect.errors.offset"], "1");
  EXPECT_THAT(headers["__connect.errors.exception.message"], HasSubstr("Unknown magic byte"));
}

// The playground's topics.regex example (09): three Avro topics, a table each.
TEST_F(FieldRunTest, PlaygroundTopicsRegexFillsATablePerTopic) {
  Start({"kcbq-quickstart1:1", "kcbq-quickstart2:1", "kcbq-quickstart3:1", "unrelated:1"},
        "vincent-de-saboulin-lab");
  auto registry = schemaregistry::testing::TestRegistry::Start();
  ASSERT_TRUE(registry.ok()) << registry.status();
  ASSERT_TRUE(env_->CreateDataset("pgrootds").ok());
  ASSERT_EQ(setenv("DATASET", "pgrootds", 1), 0);
  ASSERT_EQ(setenv("PROJECT", "vincent-de-saboulin-lab", 1), 0);
  const std::string staged = absl::StrCat("/tmp/keyfile.json.", getpid());
  WriteServiceAccountKey(staged);
  ASSERT_EQ(rename(staged.c_str(), "/tmp/keyfile.json"), 0);
  Props connector = LoadField("09-playground-topics-regex.properties");
  PointAtEmulator(connector);
  std::vector<kafka::ProducerRecord> records;
  for (int t = 1; t <= 3; ++t) {
    const std::string topic = absl::StrCat("kcbq-quickstart", t);
    for (const std::string& v : AvroEncode(
             (*registry)->url(), topic + "-value",
             R"({"type":"record","name":"myrecord","fields":[{"name":"f1","type":"string"}]})",
             R"([{"f1": "value1"}, {"f1": "value2"}])")) {
      records.push_back({.topic = topic, .value = v});
    }
  }
  records.push_back({.topic = "unrelated", .value = std::string("not for this connector")});
  Send(records);
  const Props worker =
      PlaygroundWorker(Worker("11-kafka-connect-standalone.properties"), (*registry)->url());
  RunUntilRows(worker, connector, "pgrootds",
               std::vector<std::string>{"kcbq_quickstart1", "kcbq_quickstart2", "kcbq_quickstart3"},
               2);
  for (int t = 1; t <= 3; ++t) {
    auto rows = env_->ReadTable("pgrootds", absl::StrCat("kcbq_quickstart", t));
    ASSERT_TRUE(rows.ok()) << rows.status();
    EXPECT_EQ(rows->size(), 2u) << t;
  }
  auto tables = env_->Rest();
  ASSERT_TRUE(tables.ok());
}

}  // namespace
}  // namespace ferry::testing
