#include "config/config_providers.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <regex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::Pair;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAre;

using Props = std::map<std::string, std::string>;
namespace fs = std::filesystem;

constexpr char kFileClass[] = "org.apache.kafka.common.config.provider.FileConfigProvider";
constexpr char kDirClass[] = "org.apache.kafka.common.config.provider.DirectoryConfigProvider";
constexpr char kEnvClass[] = "org.apache.kafka.common.config.provider.EnvVarConfigProvider";

// Secret values used by the tests; no error message may contain them.
constexpr char kDbPassword[] = "s3cr3t-db-pa55";
constexpr char kApiToken[] = "t0ken-from-dir";
constexpr char kEnvSecret[] = "env-s3cr3t-value";

// A fresh directory under testing::TempDir() per test, removed afterwards;
// environment variables set by the test are unset afterwards.
class ConfigProvidersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::path(::testing::TempDir()) / "ferry_config_providers_XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    for (const std::string& name : env_) unsetenv(name.c_str());
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::string Write(const std::string& relative, const std::string& content) {
    fs::path path = fs::path(dir_) / relative;
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << content;
    return path.string();
  }
  void SetEnv(const std::string& name, const std::string& value) {
    ASSERT_EQ(setenv(name.c_str(), value.c_str(), 1), 0);
    env_.push_back(name);
  }

  ConfigProviders Providers(const Props& worker) {
    absl::StatusOr<ConfigProviders> p = ConfigProviders::FromWorkerConfig(worker);
    EXPECT_TRUE(p.ok()) << p.status();
    return p.ok() ? *p : ConfigProviders();
  }

  std::string dir_;
  std::vector<std::string> env_;
};

// Fails when the text contains any of the test secrets.
void ExpectNoSecret(const std::string& text) {
  for (const char* secret : {kDbPassword, kApiToken, kEnvSecret}) {
    EXPECT_THAT(text, Not(HasSubstr(secret)));
  }
}

TEST(FindConfigVariablesTest, ProviderPathAndKey) {
  std::vector<internal::ConfigVariable> v =
      internal::FindConfigVariables("a${file:/etc/x.properties:user}b${env:HOME}c");
  ASSERT_THAT(v, SizeIs(2));
  EXPECT_EQ(v[0].provider, "file");
  EXPECT_EQ(v[0].path, "/etc/x.properties");
  EXPECT_EQ(v[0].key, "user");
  EXPECT_EQ(v[0].begin, 1u);
  EXPECT_EQ(v[0].end, 31u);
  EXPECT_EQ(v[1].provider, "env");
  EXPECT_EQ(v[1].path, "");
  EXPECT_EQ(v[1].key, "HOME");

  // The path ends at the second ':'; the key takes the rest.
  v = internal::FindConfigVariables("${p:a:b:c}");
  ASSERT_THAT(v, SizeIs(1));
  EXPECT_EQ(v[0].path, "a");
  EXPECT_EQ(v[0].key, "b:c");

  EXPECT_THAT(internal::FindConfigVariables("${nocolon} ${topic} $ {a:b} ${a:b"), IsEmpty());
}

// FindConfigVariables agrees with Kafka's pattern run as Java's find() does,
// on random texts over the characters that matter.
TEST(FindConfigVariablesTest, AgreesWithKafkaPattern) {
  const std::regex pattern(R"(\$\{([^}]*?):(([^}]*?):)?([^}]*?)\})");
  const std::string alphabet = "${}:a/";
  std::mt19937 rng(12345);
  for (int n = 0; n < 20000; ++n) {
    std::string text;
    size_t len = rng() % 16;
    for (size_t i = 0; i < len; ++i) text += alphabet[rng() % alphabet.size()];

    std::vector<std::string> want;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), pattern);
         it != std::sregex_iterator(); ++it) {
      const std::smatch& m = *it;
      want.push_back(std::to_string(m.position(0)) + "|" + std::to_string(m.length(0)) + "|" +
                     m[1].str() + "|" + (m[3].matched ? m[3].str() : "") + "|" + m[4].str());
    }
    std::vector<std::string> got;
    for (const internal::ConfigVariable& v : internal::FindConfigVariables(text)) {
      got.push_back(std::to_string(v.begin) + "|" + std::to_string(v.end - v.begin) + "|" +
                    std::string(v.provider) + "|" + std::string(v.path) + "|" + std::string(v.key));
    }
    ASSERT_EQ(got, want) << text;
  }
}

TEST_F(ConfigProvidersTest, EnvVar) {
  SetEnv("FERRY_CP_TEST_PASSWORD", kEnvSecret);
  SetEnv("FERRY_CP_TEST_EMPTY", "");
  ConfigProviders p =
      Providers({{"config.providers", "env"}, {"config.providers.env.class", kEnvClass}});
  absl::StatusOr<ResolvedConfig> r = p.Resolve({{"password", "${env:FERRY_CP_TEST_PASSWORD}"},
                                                {"empty", "${env:FERRY_CP_TEST_EMPTY}"},
                                                {"plain", "no variables"}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(r->props, ElementsAre(Pair("empty", ""), Pair("password", kEnvSecret),
                                    Pair("plain", "no variables")));
  EXPECT_THAT(r->secret_keys, ElementsAre("empty", "password"));
  EXPECT_THAT(r->unresolved, IsEmpty());
}

TEST_F(ConfigProvidersTest, FileProviderReadsJavaProperties) {
  std::string file = Write("secrets/db.properties",
                           "# database\n"
                           "user = ferry\n"
                           "password=" +
                               std::string(kDbPassword) +
                               "\n"
                               "spaced\\ key:line\\\n    continued\n");
  ConfigProviders p =
      Providers({{"config.providers", "file"}, {"config.providers.file.class", kFileClass}});
  absl::StatusOr<ResolvedConfig> r = p.Resolve({{"db.user", "${file:" + file + ":user}"},
                                                {"db.password", "${file:" + file + ":password}"},
                                                {"odd", "${file:" + file + ":spaced key}"}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->props.at("db.user"), "ferry");
  EXPECT_EQ(r->props.at("db.password"), kDbPassword);
  EXPECT_EQ(r->props.at("odd"), "linecontinued");
  EXPECT_THAT(r->secret_keys, UnorderedElementsAre("db.user", "db.password", "odd"));
}

TEST_F(ConfigProvidersTest, DirectoryProviderReadsFileContentAsIs) {
  Write("k8s/token", std::string(kApiToken) + "\n");
  Write("k8s/sub/nested", "x");
  std::string dir = (fs::path(dir_) / "k8s").string();
  ConfigProviders p =
      Providers({{"config.providers", "dir"}, {"config.providers.dir.class", kDirClass}});
  absl::StatusOr<ResolvedConfig> r = p.Resolve({{"token", "${dir:" + dir + ":token}"}});
  ASSERT_TRUE(r.ok()) << r.status();
  // As Kafka: the whole content, trailing newline included.
  EXPECT_EQ(r->props.at("token"), std::string(kApiToken) + "\n");
  EXPECT_THAT(r->secret_keys, ElementsAre("token"));

  // Only regular files directly in the directory are keys.
  for (std::string key : {"sub", "sub/nested", "..", "missing"}) {
    std::vector<ConfigError> errors;
    p.ResolveAll({{"k", "${dir:" + dir + ":" + key + "}"}}, &errors);
    ASSERT_THAT(errors, SizeIs(1)) << key;
    EXPECT_EQ(errors[0].key, "k");
    EXPECT_THAT(errors[0].message, HasSubstr("no regular file named \"" + key + "\""));
  }
}

TEST_F(ConfigProvidersTest, AllowedPathsRefusesOtherPaths) {
  std::string allowed_file = Write("allowed/db.properties", "password=" + std::string(kDbPassword));
  std::string outside_file = Write("outside/db.properties", "password=" + std::string(kDbPassword));
  Write("allowed/token", kApiToken);
  Write("outside/token", kApiToken);
  std::string allowed = (fs::path(dir_) / "allowed").string();
  std::string outside = (fs::path(dir_) / "outside").string();
  ConfigProviders p = Providers({{"config.providers", "file,dir"},
                                 {"config.providers.file.class", kFileClass},
                                 {"config.providers.file.param.allowed.paths", allowed},
                                 {"config.providers.dir.class", kDirClass},
                                 {"config.providers.dir.param.allowed.paths", allowed + "/"}});

  absl::StatusOr<ResolvedConfig> ok =
      p.Resolve({{"a", "${file:" + allowed_file + ":password}"},
                 {"b", "${dir:" + allowed + ":token}"},
                 {"c", "${file:" + allowed + "/./x/../db.properties:password}"}});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->props.at("a"), kDbPassword);
  EXPECT_EQ(ok->props.at("b"), kApiToken);
  EXPECT_EQ(ok->props.at("c"), kDbPassword);

  std::vector<ConfigError> errors;
  ResolvedConfig r =
      p.ResolveAll({{"a", "${file:" + outside_file + ":password}"},
                    {"b", "${dir:" + outside + ":token}"},
                    // Traversal out of the allowed directory, and a sibling sharing its prefix.
                    {"c", "${file:" + allowed + "/../outside/db.properties:password}"},
                    {"d", "${dir:" + allowed + "-not:token}"},
                    {"e", "${file:relative/db.properties:password}"}},
                   &errors);
  ASSERT_THAT(errors, SizeIs(5));
  EXPECT_THAT(errors[0].message,
              HasSubstr("is not under config.providers.file.param.allowed.paths"));
  EXPECT_THAT(errors[1].message,
              HasSubstr("is not under config.providers.dir.param.allowed.paths"));
  for (const ConfigError& e : errors) ExpectNoSecret(e.message);
  EXPECT_THAT(r.secret_keys, IsEmpty());
  EXPECT_EQ(r.props.at("a"), "${file:" + outside_file + ":password}");
}

TEST_F(ConfigProvidersTest, AllowedPathsMustBeAbsoluteAndExist) {
  std::vector<ConfigError> errors;
  absl::StatusOr<ConfigProviders> p = ConfigProviders::FromWorkerConfig(
      {{"config.providers", "file,dir"},
       {"config.providers.file.class", kFileClass},
       {"config.providers.file.param.allowed.paths", "relative/path"},
       {"config.providers.dir.class", kDirClass},
       {"config.providers.dir.param.allowed.paths", dir_ + "/does-not-exist"}},
      &errors);
  EXPECT_FALSE(p.ok());
  EXPECT_THAT(errors,
              ElementsAre(Field(&ConfigError::key, "config.providers.file.param.allowed.paths"),
                          Field(&ConfigError::key, "config.providers.dir.param.allowed.paths")));
  EXPECT_THAT(errors[0].message,
              HasSubstr("Path relative/path is not valid. The path should be absolute and exist"));

  // An empty value restricts nothing, as in Kafka.
  ConfigProviders open = Providers({{"config.providers", "file"},
                                    {"config.providers.file.class", kFileClass},
                                    {"config.providers.file.param.allowed.paths", ""}});
  std::string file = Write("x.properties", "k=v");
  absl::StatusOr<ResolvedConfig> r = open.Resolve({{"k", "${file:" + file + ":k}"}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->props.at("k"), "v");
}

TEST_F(ConfigProvidersTest, AllowlistPatternRefusesOtherVariables) {
  SetEnv("FERRY_CP_ALLOWED", kEnvSecret);
  SetEnv("FERRY_CP_OTHER", kEnvSecret);
  ConfigProviders p = Providers({{"config.providers", "env"},
                                 {"config.providers.env.class", kEnvClass},
                                 {"config.providers.env.param.allowlist.pattern", "FERRY_CP_A.*"}});
  absl::StatusOr<ResolvedConfig> ok = p.Resolve({{"a", "${env:FERRY_CP_ALLOWED}"}});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->props.at("a"), kEnvSecret);

  // The whole name must match (Java's matches()), not a part of it.
  for (const char* name : {"FERRY_CP_OTHER", "X_FERRY_CP_ALLOWED"}) {
    absl::StatusOr<ResolvedConfig> r =
        p.Resolve({{"conn.password", absl::StrCat("${env:", name, "}")}});
    ASSERT_FALSE(r.ok()) << name;
    EXPECT_THAT(r.status().message(),
                AllOf(HasSubstr("conn.password: ${env:"),
                      HasSubstr("does not match config.providers.env.param.allowlist.pattern")));
    ExpectNoSecret(std::string(r.status().message()));
  }

  absl::StatusOr<ConfigProviders> bad =
      ConfigProviders::FromWorkerConfig({{"config.providers", "env"},
                                         {"config.providers.env.class", kEnvClass},
                                         {"config.providers.env.param.allowlist.pattern", "("}});
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(),
              HasSubstr("config.providers.env.param.allowlist.pattern: Invalid value ( for "
                        "configuration config.providers.env.param.allowlist.pattern"));
}

TEST_F(ConfigProvidersTest, MissingKeyFileOrVariableIsAnErrorNamingTheConfigKey) {
  std::string file = Write("db.properties", "password=" + std::string(kDbPassword));
  Write("secrets/token", kApiToken);
  std::string dir = (fs::path(dir_) / "secrets").string();
  SetEnv("FERRY_CP_SET", kEnvSecret);
  ConfigProviders p = Providers({});  // defaults

  // The literal text around a variable may be part of a secret, so errors
  // quote only the variable.
  std::vector<ConfigError> errors;
  ResolvedConfig r = p.ResolveAll(
      {{"a.missing.property", "lit-" + std::string(kDbPassword) + "${file:" + file + ":user}"},
       {"b.missing.file", "${file:" + dir_ + "/nope.properties:password}"},
       {"c.missing.env", "${env:FERRY_CP_NOT_SET_ANYWHERE}${env:FERRY_CP_SET}"},
       {"d.missing.dir.file", "${dir:" + dir + ":nope}"},
       {"e.missing.dir", "${dir:" + dir_ + "/nodir:token}"},
       {"f.env.path", "${env:/x:FERRY_CP_SET}"},
       {"g.file.no.path", "${file:password}"},
       {"g2.file.is.dir", "${file:" + dir + ":password}"},
       {"h.fine", "${file:" + file + ":password}"}},
      &errors);
  ASSERT_THAT(errors, SizeIs(8));
  EXPECT_THAT(errors[0],
              AllOf(Field(&ConfigError::key, "a.missing.property"),
                    Field(&ConfigError::message,
                          "${file:" + file + ":user}: no property \"user\" in " + file)));
  EXPECT_THAT(errors[1], AllOf(Field(&ConfigError::key, "b.missing.file"),
                               Field(&ConfigError::message,
                                     HasSubstr("cannot read " + dir_ +
                                               "/nope.properties: No such file or directory"))));
  EXPECT_THAT(errors[2], AllOf(Field(&ConfigError::key, "c.missing.env"),
                               Field(&ConfigError::message,
                                     "${env:FERRY_CP_NOT_SET_ANYWHERE}: environment variable "
                                     "FERRY_CP_NOT_SET_ANYWHERE is not set")));
  EXPECT_THAT(errors[3], AllOf(Field(&ConfigError::key, "d.missing.dir.file"),
                               Field(&ConfigError::message,
                                     HasSubstr("no regular file named \"nope\" in directory"))));
  EXPECT_THAT(errors[4], AllOf(Field(&ConfigError::key, "e.missing.dir"),
                               Field(&ConfigError::message, HasSubstr("is not a directory"))));
  EXPECT_THAT(errors[5], AllOf(Field(&ConfigError::key, "f.env.path"),
                               Field(&ConfigError::message, HasSubstr("takes no path"))));
  EXPECT_THAT(errors[6],
              AllOf(Field(&ConfigError::key, "g.file.no.path"),
                    Field(&ConfigError::message, HasSubstr("the file provider needs a path"))));
  EXPECT_THAT(errors[7],
              AllOf(Field(&ConfigError::key, "g2.file.is.dir"),
                    Field(&ConfigError::message, HasSubstr(dir + " is not a regular file"))));
  for (const ConfigError& e : errors) ExpectNoSecret(e.message);

  // A key with a failed variable keeps its text as written, even where
  // another of its variables resolved.
  EXPECT_EQ(r.props.at("c.missing.env"), "${env:FERRY_CP_NOT_SET_ANYWHERE}${env:FERRY_CP_SET}");
  EXPECT_EQ(r.props.at("h.fine"), kDbPassword);
  EXPECT_THAT(r.secret_keys, ElementsAre("h.fine"));

  // Resolve reports the same, one "key: message" line each.
  absl::StatusOr<ResolvedConfig> failed =
      p.Resolve({{"conn.password", "${env:FERRY_CP_NOT_SET_ANYWHERE}"}});
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(failed.status().message(),
            "conn.password: ${env:FERRY_CP_NOT_SET_ANYWHERE}: environment variable "
            "FERRY_CP_NOT_SET_ANYWHERE is not set");
}

TEST_F(ConfigProvidersTest, MalformedPropertiesFileDoesNotEchoItsContent) {
  std::string file = Write("bad.properties", "password=abc\\uZZ" + std::string(kDbPassword));
  absl::StatusOr<ResolvedConfig> r =
      Providers({}).Resolve({{"p", "${file:" + file + ":password}"}});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr(file + " is not a valid .properties file (line 1)"));
  EXPECT_THAT(r.status().message(), Not(HasSubstr("ZZ")));
  ExpectNoSecret(std::string(r.status().message()));
}

TEST_F(ConfigProvidersTest, UndeclaredProviderIsLeftAsWritten) {
  SetEnv("FERRY_CP_USER", "ferry");
  ConfigProviders p =
      Providers({{"config.providers", "env"}, {"config.providers.env.class", kEnvClass}});
  absl::StatusOr<ResolvedConfig> r =
      p.Resolve({{"a", "${vault:secret/db:password}"},
                 {"b", "${file:/etc/x.properties:k}-${env:FERRY_CP_USER}"},
                 {"c", "${topic}-${timestamp}"}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->props.at("a"), "${vault:secret/db:password}");
  EXPECT_EQ(r->props.at("b"), "${file:/etc/x.properties:k}-ferry");
  EXPECT_EQ(r->props.at("c"), "${topic}-${timestamp}");
  EXPECT_THAT(r->secret_keys, ElementsAre("b"));
  ASSERT_THAT(r->unresolved, SizeIs(2));
  EXPECT_EQ(r->unresolved[0].key, "a");
  EXPECT_EQ(r->unresolved[0].message,
            "${vault:secret/db:password}: left as written, as no config provider named "
            "\"vault\" is declared (config.providers=env)");
  EXPECT_EQ(r->unresolved[1].key, "b");
}

TEST_F(ConfigProvidersTest, SeveralVariablesInOneValue) {
  std::string file = Write("db.properties", "user=ferry\npassword=" + std::string(kDbPassword));
  Write("d/host", "db.internal");
  SetEnv("FERRY_CP_PORT", "5432");
  absl::StatusOr<ResolvedConfig> r = Providers({}).Resolve(
      {{"url", "jdbc://${file:" + file + ":user}:${file:" + file + ":password}@${dir:" + dir_ +
                   "/d:host}:${env:FERRY_CP_PORT}/db?x=${file:" + file + ":user}"}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->props.at("url"),
            "jdbc://ferry:" + std::string(kDbPassword) + "@db.internal:5432/db?x=ferry");
  EXPECT_THAT(r->secret_keys, ElementsAre("url"));
}

TEST_F(ConfigProvidersTest, NoProvidersDeclaredMeansDefaults) {
  absl::StatusOr<ConfigProviders> p =
      ConfigProviders::FromWorkerConfig({{"bootstrap.servers", "x"}});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_TRUE(p->defaults());
  EXPECT_THAT(p->Names(), ElementsAre("env", "file", "dir", "directory"));

  SetEnv("FERRY_CP_DEFAULT", kEnvSecret);
  Write("d/k", "from-dir");
  std::string file = Write("f.properties", "k=from-file");
  absl::StatusOr<ResolvedConfig> r = p->Resolve({{"a", "${env:FERRY_CP_DEFAULT}"},
                                                 {"b", "${file:" + file + ":k}"},
                                                 {"c", "${dir:" + dir_ + "/d:k}"},
                                                 {"d", "${directory:" + dir_ + "/d:k}"}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(r->props, ElementsAre(Pair("a", kEnvSecret), Pair("b", "from-file"),
                                    Pair("c", "from-dir"), Pair("d", "from-dir")));

  // An empty config.providers declares none: every variable stays as written.
  absl::StatusOr<ConfigProviders> none =
      ConfigProviders::FromWorkerConfig({{"config.providers", ""}});
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_FALSE(none->defaults());
  EXPECT_THAT(none->Names(), IsEmpty());
  absl::StatusOr<ResolvedConfig> literal = none->Resolve({{"a", "${env:FERRY_CP_DEFAULT}"}});
  ASSERT_TRUE(literal.ok());
  EXPECT_EQ(literal->props.at("a"), "${env:FERRY_CP_DEFAULT}");
  EXPECT_THAT(literal->secret_keys, IsEmpty());

  // Provider settings without config.providers would do nothing: an error.
  absl::StatusOr<ConfigProviders> stray =
      ConfigProviders::FromWorkerConfig({{"config.providers.file.param.allowed.paths", dir_}});
  ASSERT_FALSE(stray.ok());
  EXPECT_THAT(stray.status().message(),
              HasSubstr("config.providers.file.param.allowed.paths: config.providers is not set, "
                        "so this key has no effect"));
}

TEST_F(ConfigProvidersTest, JavaClassNamesAndAliases) {
  std::string file = Write("f.properties", "k=v");
  Write("d/k", "w");
  SetEnv("FERRY_CP_ALIAS", "e");
  struct Case {
    std::string cls;
    std::string variable;
    std::string want;
  };
  std::vector<Case> cases = {
      {kFileClass, "${p:" + file + ":k}", "v"},
      {"FileConfigProvider", "${p:" + file + ":k}", "v"},
      {"File", "${p:" + file + ":k}", "v"},
      {"file", "${p:" + file + ":k}", "v"},
      {kDirClass, "${p:" + dir_ + "/d:k}", "w"},
      {"DirectoryConfigProvider", "${p:" + dir_ + "/d:k}", "w"},
      {"Directory", "${p:" + dir_ + "/d:k}", "w"},
      {"dir", "${p:" + dir_ + "/d:k}", "w"},
      {kEnvClass, "${p:FERRY_CP_ALIAS}", "e"},
      {"EnvVarConfigProvider", "${p:FERRY_CP_ALIAS}", "e"},
      {"EnvVar", "${p:FERRY_CP_ALIAS}", "e"},
      {" env ", "${p:FERRY_CP_ALIAS}", "e"},
  };
  for (const Case& c : cases) {
    ConfigProviders p =
        Providers({{"config.providers", " p "}, {"config.providers.p.class", c.cls}});
    absl::StatusOr<ResolvedConfig> r = p.Resolve({{"k", c.variable}});
    ASSERT_TRUE(r.ok()) << c.cls << ": " << r.status();
    EXPECT_EQ(r->props.at("k"), c.want) << c.cls;
  }
}

TEST_F(ConfigProvidersTest, ProviderDeclarationErrorsNameTheKey) {
  std::vector<ConfigError> errors;
  absl::StatusOr<ConfigProviders> p = ConfigProviders::FromWorkerConfig(
      {{"config.providers", "vault,file,env,noclass"},
       {"config.providers.vault.class",
        "io.confluent.csid.config.provider.vault.VaultConfigProvider"},
       {"config.providers.file.class", kFileClass},
       {"config.providers.file.param.allowed.path", dir_},
       {"config.providers.env.class", kEnvClass},
       {"config.providers.env.param.allowed.paths", dir_},
       {"config.providers.envv.class", kEnvClass},
       {"config.providers.file.clas", kFileClass}},
      &errors);
  ASSERT_FALSE(p.ok());
  EXPECT_THAT(
      errors,
      ElementsAre(
          AllOf(Field(&ConfigError::key, "config.providers.vault.class"),
                Field(&ConfigError::message,
                      HasSubstr("Invalid value "
                                "io.confluent.csid.config.provider.vault.VaultConfigProvider for "
                                "configuration config.providers.vault.class: ferry has no such "
                                "config provider"))),
          AllOf(Field(&ConfigError::key, "config.providers.file.param.allowed.path"),
                Field(&ConfigError::message,
                      HasSubstr("(did you mean "
                                "\"config.providers.file.param.allowed.paths\"?)"))),
          AllOf(Field(&ConfigError::key, "config.providers.env.param.allowed.paths"),
                Field(&ConfigError::message,
                      HasSubstr("EnvVarConfigProvider takes only the parameter "
                                "allowlist.pattern"))),
          AllOf(Field(&ConfigError::key, "config.providers.noclass.class"),
                Field(&ConfigError::message, HasSubstr("Missing required configuration "
                                                       "\"config.providers.noclass.class\""))),
          AllOf(Field(&ConfigError::key, "config.providers.envv.class"),
                Field(&ConfigError::message,
                      HasSubstr("(did you mean \"config.providers.env.class\"?)"))),
          AllOf(Field(&ConfigError::key, "config.providers.file.clas"),
                Field(&ConfigError::message,
                      HasSubstr("(did you mean \"config.providers.file.class\"?)")))));
  EXPECT_THAT(p.status().message(),
              HasSubstr("config.providers.noclass.class: Missing required configuration"));
}

TEST_F(ConfigProvidersTest, WorkerConfigMayUseProvidersButNotForTheirOwnKeys) {
  SetEnv("FERRY_CP_BOOTSTRAP", "broker:9092");
  // A directory whose name looks like a variable: the provider's own
  // settings are taken as written.
  Write("${env:FERRY_CP_BOOTSTRAP}/f", "");
  std::string odd_dir = dir_ + "/${env:FERRY_CP_BOOTSTRAP}";
  Props worker = {{"bootstrap.servers", "${env:FERRY_CP_BOOTSTRAP}"},
                  {"config.providers", "env,file"},
                  {"config.providers.env.class", kEnvClass},
                  {"config.providers.file.class", kFileClass},
                  {"config.providers.file.param.allowed.paths", odd_dir}};
  absl::StatusOr<ConfigProviders> p = ConfigProviders::FromWorkerConfig(worker);
  ASSERT_TRUE(p.ok()) << p.status();
  absl::StatusOr<ResolvedConfig> r = p->ResolveWorkerConfig(worker);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->props.at("bootstrap.servers"), "broker:9092");
  EXPECT_EQ(r->props.at("config.providers.file.param.allowed.paths"), odd_dir);
  EXPECT_THAT(r->secret_keys, ElementsAre("bootstrap.servers"));
  EXPECT_THAT(r->unresolved, IsEmpty());

  // Resolve (for connector configs) resolves every key.
  absl::StatusOr<ResolvedConfig> all = p->Resolve({{"x", "${env:FERRY_CP_BOOTSTRAP}"}});
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->props.at("x"), "broker:9092");
}

TEST_F(ConfigProvidersTest, Redaction) {
  SetEnv("FERRY_CP_SECRET", kEnvSecret);
  absl::StatusOr<ResolvedConfig> r =
      Providers({}).Resolve({{"from.env", "user:${env:FERRY_CP_SECRET}"},
                             {"typed.password", "written-in-clear"},
                             {"plain", "visible"}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(Redacted(*r), ElementsAre(Pair("from.env", "[hidden]"), Pair("plain", "visible"),
                                        Pair("typed.password", "written-in-clear")));
  ConfigDef def;
  def.Define("typed.password", ConfigType::kPassword, "", Importance::kHigh, "doc");
  EXPECT_THAT(Redacted(*r, {&def}),
              ElementsAre(Pair("from.env", "[hidden]"), Pair("plain", "visible"),
                          Pair("typed.password", "[hidden]")));

  // Messages built from resolved values (a validator's "Invalid value ...").
  EXPECT_EQ(RedactSecrets(absl::StrCat("Invalid value user:", kEnvSecret,
                                       " for configuration "
                                       "from.env; again user:",
                                       kEnvSecret),
                          *r),
            "Invalid value [hidden] for configuration from.env; again [hidden]");
  std::vector<ConfigError> errors =
      RedactSecrets({{"from.env", absl::StrCat("bad user:", kEnvSecret)}}, *r);
  EXPECT_THAT(errors, ElementsAre(Field(&ConfigError::message, "bad [hidden]")));
}

// A short resolved value is hidden where it stands alone, not inside words:
// project=${env:PROJECT} resolving to "p" must not turn "splits" into
// "s[hidden]lits".
TEST_F(ConfigProvidersTest, ShortSecretsAreHiddenOnlyAsWholeWords) {
  SetEnv("FERRY_CP_SHORT", "p");
  absl::StatusOr<ResolvedConfig> r = Providers({}).Resolve({{"project", "${env:FERRY_CP_SHORT}"}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(RedactSecrets("ferry splits p; project=p, (p)", *r),
            "ferry splits [hidden]; project=[hidden], ([hidden])");
}

TEST(IsConfigProvidersKeyTest, Keys) {
  EXPECT_TRUE(IsConfigProvidersKey("config.providers"));
  EXPECT_TRUE(IsConfigProvidersKey("config.providers.file.class"));
  EXPECT_FALSE(IsConfigProvidersKey("config.providersx"));
  EXPECT_FALSE(IsConfigProvidersKey("bootstrap.servers"));
}

}  // namespace
}  // namespace ferry
