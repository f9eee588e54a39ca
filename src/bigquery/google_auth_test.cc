#include "bigquery/google_auth.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <latch>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace ferry::bigquery {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Json = nlohmann::json;

constexpr char kEmail[] = "writer@ferry-test.iam.gserviceaccount.com";
constexpr char kKeyId[] = "0123456789abcdef0123456789abcdef01234567";
constexpr char kClientId[] = "32555940559.apps.googleusercontent.com";
constexpr char kClientSecret[] = "ZmssLNjJy2998hD4CTg2ejr2";
constexpr char kRefreshToken[] = "1//0gRefreshTokenSecret/With+Special=Chars";
constexpr char kJwtBearer[] = "urn:ietf:params:oauth:grant-type:jwt-bearer";
constexpr char kMetadataTokenPath[] = "/computeMetadata/v1/instance/service-accounts/default/token";

// An RSA key pair made with OpenSSL: the private half goes into the key file,
// the public half is all the fake token endpoint knows.
struct KeyPair {
  std::string private_pem;
  EVP_PKEY* public_key = nullptr;  // Lives as long as the test binary.
};

KeyPair MakeKeyPair() {
  EVP_PKEY* key = EVP_RSA_gen(2048);
  EXPECT_NE(key, nullptr);
  KeyPair pair;
  BIO* out = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(out, key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long size = BIO_get_mem_data(out, &data);
  pair.private_pem.assign(data, static_cast<size_t>(size));
  BIO_free(out);
  BIO* pub = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(pub, key);
  pair.public_key = PEM_read_bio_PUBKEY(pub, nullptr, nullptr, nullptr);
  EXPECT_NE(pair.public_key, nullptr);
  BIO_free(pub);
  EVP_PKEY_free(key);
  return pair;
}

const KeyPair& TestKey() {
  static const KeyPair* pair = new KeyPair(MakeKeyPair());
  return *pair;
}

const KeyPair& OtherKey() {
  static const KeyPair* pair = new KeyPair(MakeKeyPair());
  return *pair;
}

// A line from the middle of the private key: never to be seen in an error.
std::string PrivateKeyLine(const KeyPair& pair) {
  std::vector<std::string> lines = absl::StrSplit(pair.private_pem, '\n');
  return lines.at(lines.size() / 2);
}

class FakeClock {
 public:
  FakeClock() : now_(absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()))) {}
  absl::Time Now() {
    std::lock_guard<std::mutex> lock(mu_);
    return now_;
  }
  void Advance(absl::Duration d) {
    std::lock_guard<std::mutex> lock(mu_);
    now_ += d;
  }

 private:
  std::mutex mu_;
  absl::Time now_;
};

std::string ServiceAccountJson(const std::string& private_pem) {
  return Json{{"type", "service_account"},
              {"project_id", "ferry-test"},
              {"private_key_id", kKeyId},
              {"private_key", private_pem},
              {"client_email", kEmail},
              {"client_id", "104807337839224381523"},
              {"auth_uri", "https://accounts.google.com/o/oauth2/auth"},
              {"token_uri", "https://oauth2.googleapis.com/token"}}
      .dump(2);
}

std::string AuthorizedUserJson() {
  return Json{{"type", "authorized_user"},
              {"client_id", kClientId},
              {"client_secret", kClientSecret},
              {"refresh_token", kRefreshToken},
              {"quota_project_id", "ferry-test"}}
      .dump(2);
}

std::string TokenJson(const std::string& token, int expires_in) {
  return Json{{"access_token", token}, {"expires_in", expires_in}, {"token_type", "Bearer"}}.dump();
}

// Serves `server` on a loopback port from `thread`; returns once it answers.
int Serve(httplib::Server& server, std::thread& thread) {
  server.Get("/ready", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok", "text/plain");
  });
  int port = server.bind_to_any_port("127.0.0.1");
  thread = std::thread([&server] { server.listen_after_bind(); });
  // The listening socket queues the request until the accept loop runs, so
  // the answer means the server is running (and stop() will end it).
  httplib::Client client("127.0.0.1", port);
  auto ready = client.Get("/ready");
  EXPECT_TRUE(ready && ready->status == 200);
  return port;
}

// A stand-in for oauth2.googleapis.com/token that checks what Google checks:
// the JWT's RS256 signature against the service account's public key, its
// header and its claims, or the refresh-token grant's client and token.
class FakeTokenEndpoint {
 public:
  FakeTokenEndpoint(EVP_PKEY* public_key, FakeClock* clock)
      : public_key_(public_key), clock_(clock) {
    server_.Post("/token",
                 [this](const httplib::Request& req, httplib::Response& res) { Handle(req, res); });
    port_ = Serve(server_, thread_);
  }
  ~FakeTokenEndpoint() {
    Release();
    server_.stop();
    thread_.join();
  }

  std::string url() const { return absl::StrCat("http://127.0.0.1:", port_, "/token"); }

  // The next `count` requests get (status, body) instead of a verdict.
  void FailNext(int count, int status, std::string body) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_count_ = count;
    fail_status_ = status;
    fail_body_ = std::move(body);
  }
  // Answers 400 with the request body as error_description (a hostile or
  // broken server echoing what it got).
  void EchoRequestInErrors() {
    std::lock_guard<std::mutex> lock(mu_);
    echo_ = true;
  }
  void SetExpiresIn(int seconds) {
    std::lock_guard<std::mutex> lock(mu_);
    expires_in_ = seconds;
  }
  // Requests wait inside the handler until Release().
  void Hold() {
    std::lock_guard<std::mutex> lock(mu_);
    held_ = true;
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    held_ = false;
    cv_.notify_all();
  }
  bool WaitForRequests(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return requests_ >= n; });
  }
  int requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  std::vector<std::string> grants() {
    std::lock_guard<std::mutex> lock(mu_);
    return grants_;
  }
  std::vector<std::string> rejections() {
    std::lock_guard<std::mutex> lock(mu_);
    return rejections_;
  }
  std::string last_assertion() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_assertion_;
  }

 private:
  void Handle(const httplib::Request& req, httplib::Response& res) {
    httplib::Params form;
    httplib::detail::parse_query_text(req.body, form);
    auto param = [&](const std::string& key) {
      auto it = form.find(key);
      return it == form.end() ? std::string() : it->second;
    };
    std::unique_lock<std::mutex> lock(mu_);
    ++requests_;
    grants_.push_back(param("grant_type"));
    if (param("grant_type") == kJwtBearer) last_assertion_ = param("assertion");
    cv_.notify_all();
    cv_.wait_for(lock, std::chrono::seconds(10), [&] { return !held_; });
    if (fail_count_ > 0) {
      --fail_count_;
      res.status = fail_status_;
      res.set_content(fail_body_, "application/json");
      return;
    }
    std::string reason;
    if (req.get_header_value("Content-Type") != "application/x-www-form-urlencoded") {
      reason = "not a form";
    } else if (param("grant_type") == kJwtBearer) {
      reason = VerifyJwt(param("assertion"));
    } else if (param("grant_type") == "refresh_token") {
      if (param("client_id") != kClientId || param("client_secret") != kClientSecret) {
        reason = "unknown client";
      } else if (param("refresh_token") != kRefreshToken) {
        reason = "bad refresh token";
      }
    } else {
      reason = "unsupported grant";
    }
    if (echo_) reason = req.body;
    if (!reason.empty()) {
      rejections_.push_back(reason);
      res.status = 400;
      res.set_content(Json{{"error", "invalid_grant"}, {"error_description", reason}}.dump(),
                      "application/json");
      return;
    }
    res.set_content(TokenJson(absl::StrCat("ya29.token-", ++issued_), expires_in_),
                    "application/json");
  }

  // "" when the assertion is a JWT Google would accept from this account.
  std::string VerifyJwt(const std::string& assertion) {
    std::vector<std::string> parts = absl::StrSplit(assertion, '.');
    if (parts.size() != 3) return "not a JWT";
    std::string header_text, claims_text, signature;
    if (!absl::WebSafeBase64Unescape(parts[0], &header_text) ||
        !absl::WebSafeBase64Unescape(parts[1], &claims_text) ||
        !absl::WebSafeBase64Unescape(parts[2], &signature)) {
      return "not base64url";
    }
    std::string signed_part = absl::StrCat(parts[0], ".", parts[1]);
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    bool valid = EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, public_key_) == 1 &&
                 EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()),
                                  signature.size(),
                                  reinterpret_cast<const unsigned char*>(signed_part.data()),
                                  signed_part.size()) == 1;
    EVP_MD_CTX_free(ctx);
    if (!valid) return "Invalid JWT Signature.";
    Json header = Json::parse(header_text, nullptr, false);
    Json claims = Json::parse(claims_text, nullptr, false);
    if (!header.is_object() || !claims.is_object()) return "not JSON";
    if (header.value("alg", "") != "RS256") return "alg";
    if (header.value("typ", "") != "JWT") return "typ";
    if (header.value("kid", "") != kKeyId) return "kid";
    if (claims.value("iss", "") != kEmail) return "iss";
    if (claims.value("scope", "") != absl::StrCat(kBigQueryScope, " ", kCloudPlatformScope)) {
      return "scope";
    }
    if (claims.value("aud", "") != url()) return "aud";
    if (!claims["iat"].is_number_integer() || !claims["exp"].is_number_integer()) return "times";
    int64_t iat = claims["iat"].get<int64_t>();
    int64_t exp = claims["exp"].get<int64_t>();
    if (exp - iat != 3600) return "exp - iat";
    if (std::abs(iat - absl::ToUnixSeconds(clock_->Now())) > 5) return "iat is not now";
    return "";
  }

  EVP_PKEY* public_key_;
  FakeClock* clock_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  int requests_ = 0;
  int issued_ = 0;
  int expires_in_ = 3600;
  int fail_count_ = 0;
  int fail_status_ = 0;
  std::string fail_body_;
  bool echo_ = false;
  bool held_ = false;
  std::vector<std::string> grants_;
  std::vector<std::string> rejections_;
  std::string last_assertion_;
};

// A stand-in GCE metadata server: answers the probe with Metadata-Flavor:
// Google (unless told to behave like some other server) and hands out tokens
// only to requests that carry Metadata-Flavor: Google.
class FakeMetadataServer {
 public:
  explicit FakeMetadataServer(bool flavored = true) {
    server_.Get("/", [flavored](const httplib::Request&, httplib::Response& res) {
      if (flavored) res.set_header("Metadata-Flavor", "Google");
      res.set_content("computeMetadata/\n", "application/text");
    });
    server_.Get(kMetadataTokenPath, [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      ++token_requests_;
      if (req.get_header_value("Metadata-Flavor") != "Google") {
        ++unflavored_;
        res.status = 403;
        res.set_content("Missing required header: Metadata-Flavor", "text/plain");
        return;
      }
      res.set_header("Metadata-Flavor", "Google");
      res.set_content(TokenJson(absl::StrCat("ya29.metadata-", token_requests_), expires_in_),
                      "application/json");
    });
    port_ = Serve(server_, thread_);
  }
  ~FakeMetadataServer() {
    server_.stop();
    thread_.join();
  }
  std::string host() const { return absl::StrCat("127.0.0.1:", port_); }
  void SetExpiresIn(int seconds) {
    std::lock_guard<std::mutex> lock(mu_);
    expires_in_ = seconds;
  }
  int token_requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return token_requests_;
  }
  int unflavored() {
    std::lock_guard<std::mutex> lock(mu_);
    return unflavored_;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  int token_requests_ = 0;
  int unflavored_ = 0;
  int expires_in_ = 3599;
};

// A local port nothing listens on (connections are refused at once).
int ClosedPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

class GoogleAuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "ferry-auth-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string WriteFile(const std::string& relative, const std::string& text) {
    std::filesystem::path path = dir_ / relative;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path) << text;
    return path.string();
  }

  // Hermetic defaults: the fake clock, an empty environment, no SMBIOS check,
  // millisecond backoffs.
  CredentialsOptions Options() {
    CredentialsOptions options;
    options.clock = [this] { return clock_.Now(); };
    options.env = [this](const std::string& name) -> std::optional<std::string> {
      auto it = env_.find(name);
      if (it == env_.end()) return std::nullopt;
      return it->second;
    };
    options.gce_product_name_path = "";
    options.max_attempts = 3;
    options.initial_backoff = absl::Milliseconds(1);
    options.max_backoff = absl::Milliseconds(4);
    options.request_timeout = absl::Seconds(10);
    return options;
  }

  CredentialsOptions FileOptions(const std::string& path, const std::string& endpoint) {
    CredentialsOptions options = Options();
    options.key_source = "FILE";
    options.keyfile = path;
    options.token_endpoint = endpoint;
    return options;
  }

  std::shared_ptr<TokenSource> MustCreate(const CredentialsOptions& options) {
    auto source = CreateTokenSource(options);
    EXPECT_TRUE(source.ok()) << source.status();
    return source.ok() ? *source : nullptr;
  }

  std::filesystem::path dir_;
  FakeClock clock_;
  std::map<std::string, std::string> env_;
};

TEST_F(GoogleAuthTest, FileKeyExchangesAVerifiedJwtForAToken) {
  FakeTokenEndpoint endpoint(TestKey().public_key, &clock_);
  std::string path = WriteFile("key.json", ServiceAccountJson(TestKey().private_pem));
  auto source = MustCreate(FileOptions(path, endpoint.url()));
  ASSERT_NE(source, nullptr);
  EXPECT_THAT(source->Describe(), HasSubstr(kEmail));
  EXPECT_THAT(source->Describe(), HasSubstr(path));

  auto token = source->Token();
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(*token, "ya29.token-1");
  EXPECT_EQ(endpoint.grants(), std::vector<std::string>{kJwtBearer});
  EXPECT_TRUE(endpoint.rejections().empty());
}

TEST_F(GoogleAuthTest, JsonKeyIsTheKeyText) {
  FakeTokenEndpoint endpoint(TestKey().public_key, &clock_);
  CredentialsOptions options = Options();
  options.key_source = "JSON";
  options.keyfile = ServiceAccountJson(TestKey().private_pem);
  options.token_endpoint = endpoint.url();
  auto source = MustCreate(options);
  ASSERT_NE(source, nullptr);
  EXPECT_THAT(source->Describe(), HasSubstr("keySource=JSON"));
  EXPECT_THAT(source->Describe(), Not(HasSubstr("BEGIN")));
  auto token = source->Token();
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(*token, "ya29.token-1");
}

// A key pasted into keyfile with keySource at its default (FILE), as configs
// posted to Connect's REST API carry it: it cannot be a path, so it is read as
// the key.
TEST_F(GoogleAuthTest, JsonKeyInKeyfileWithKeySourceFileIsTheKey) {
  FakeTokenEndpoint endpoint(TestKey().public_key, &clock_);
  CredentialsOptions options = Options();
  options.key_source = "FILE";
  options.keyfile = "\n  " + ServiceAccountJson(TestKey().private_pem);
  options.token_endpoint = endpoint.url();
  auto source = MustCreate(options);
  ASSERT_NE(source, nullptr);
  EXPECT_THAT(source->Describe(), HasSubstr("a JSON key with keySource=FILE"));
  EXPECT_THAT(source->Describe(), Not(HasSubstr("BEGIN")));
  auto token = source->Token();
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(*token, "ya29.token-1");
}

TEST_F(GoogleAuthTest, EndpointRefusesAJwtSignedWithAnotherKey) {
  FakeTokenEndpoint endpoint(TestKey().public_key, &clock_);
  std::string path = WriteFile("key.json", ServiceAccountJson(OtherKey().private_pem));
  auto source = MustCreate(FileOptions(path, endpoint.url()));
  ASSERT_NE(source, nullptr);
  auto token = source->Token();
  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.status().code(), absl::StatusCode::kUnauthenticated) << token.status();
  EXPECT_THAT(token.status().message(), HasSubstr("invalid_grant: Invalid JWT Signature."));
  EXPECT_THAT(token.status().message(), HasSubstr(path));
  EXPECT_EQ(endpoint.rejections(), std::vector<std::string>{"Invalid JWT Signature."});
  EXPECT_EQ(endpoint.requests(), 1);  // Not retried.
}

TEST_F(GoogleAuthTest, TokenIsCachedAcrossCalls) {
  FakeTokenEndpoint endpoint(TestKey().public_key, &clock_);
  std::string path = WriteFile("key.json", ServiceAccountJson(TestKey().private_pem));
  auto source = MustCreate(FileOptions(path, endpoint.url()));
  ASSERT_NE(source, nullptr);
  for (int i = 0; i < 50; ++i) {
    auto token = source->Token();
    ASSERT_TRUE(token.ok()) << token.status();
    EXPECT_EQ(*token, "ya29.token-1");
    clock_.Advance(absl::Seconds(30));  // 25 minutes in all.
  }
  EXPECT_EQ(endpoint.requests(), 1);
}

TEST_F(GoogleAuthTest, TokenIsRefreshedWhenLessThanFiveMinutesRemain) {
  FakeTokenEndpoint endpoint(TestKey().public_key, &clock_);
  std::string path = WriteFile("key.json", ServiceAccountJson(TestKey().private_pem));
  auto source = MustCreate(FileOptions(path, endpoint.url()));
  ASSERT_NE(source, nullptr);
  ASSERT_EQ(source->Token().value_or(""), "ya29.token-1");

  clock_.Advance(absl::Minutes(54));  // 6 minutes left.
  EXPECT_EQ(source->Token().value_or(""), "ya29.token-1");
  EXPECT_EQ(endpoint.requests(), 1);

  clock_.Advance(absl::Minutes(2));  // 4 minutes left.
  EXPECT_EQ(source->Token().value_or(""), "ya29.token-2");
  EXPECT_EQ(endpoint.requests(), 2);
  // The new JWT was checked against the advanced clock (iat is "now").
  EXPECT_TRUE(endpoint.rejections().empty());
  EXPECT_EQ(source->Token().value_or(""), "ya29.token-2");
  EXPECT_EQ(endpoint.requests(), 2);
}

TEST_F(GoogleAuthTest, ConcurrentCallersShareOneRequest) {
  FakeTokenEndpoint endpoint(TestKey().public_key, &clock_);
  std::string path = WriteFile("key.json", ServiceAccountJson(TestKey().private_pem));
  auto source = MustCreate(FileOptions(path, endpoint.url()));
  ASSERT_NE(source, nullptr);
  endpoint.Hold();
  constexpr int kThreads = 8;
  std::latch start(kThreads);
  std::vector<std::string> tokens(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      tokens[i] = source->Token().value_or("error");
    });
  }
  ASSERT_TRUE(endpoint.WaitForRequests(1));
  endpoint.Release();
  for (auto& t : threads) t.join();
  EXPECT_EQ(endpoint.requests(), 1);
  for (const auto& token : tokens) EXPECT_EQ(token, "ya29.token-1");
}

TEST_F(GoogleAuthTest, FailedRefreshKeepsTheStillValidTokenThenFails) {
  FakeTokenEndpoint endpoint(TestKey().public_key, &clock_);
  std::string path = WriteFile("key.json", ServiceAccountJson(TestKey().private_pem));
  CredentialsOptions options = FileOptions(path, endpoint.url());
  options.max_attempts = 2;
  auto source = MustCreate(options);
  ASSERT_NE(source, nullptr);
  ASSERT_EQ(source->Token().value_or(""), "ya29.token-1");

  endpoint.FailNext(1000, 503, R"({"error":"temporarily_unavailable"})");
  clock_.Advance(absl::Minutes(56));  // 4 minutes left: refresh, which fails twice.
  EXPECT_EQ(source->Token().value_or(""), "ya29.token-1");
  EXPECT_EQ(endpoint.requests(), 3);
  clock_.Advance(absl::Seconds(10));  // The refresh is not tried again at once.
  EXPECT_EQ(source->Token().value_or(""), "ya29.token-1");
  EXPECT_EQ(endpoint.requests(), 3);

  clock_.Advance(absl::Minutes(3));  // 50 s left: no longer usable.
  auto token = source->Token();
  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.status().code(), absl::StatusCode::kUnavailable) << token.status();
  EXPECT_THAT(token.status().message(), HasSubstr("HTTP 503"));
  EXPECT_THAT(token.status().message(), HasSubstr("after 2 attempts"));
  EXPECT_EQ(endpoint.requests(), 5);
}

TEST_F(GoogleAuthTest, AuthorizedUserUsesTheRefreshTokenGrant) {
  FakeTokenEndpoint endpoint(TestKey().public_key, &clock_);
  std::string path = WriteFile("user.json", AuthorizedUserJson());
  auto source = MustCreate(FileOptions(path, endpoint.url()));
  ASSERT_NE(source, nullptr);
  EXPECT_THAT(source->Describe(), HasSubstr(kClientId));
  auto token = source->Token();
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(*token, "ya29.token-1");
  EXPECT_EQ(endpoint.grants(), std::vector<std::string>{"refresh_token"});
  EXPECT_TRUE(endpoint.rejections().empty());
  EXPECT_EQ(source->Token().value_or(""), "ya29.token-1");
  EXPECT_EQ(endpoint.requests(), 1);
}

TEST_F(GoogleAuthTest, EndpointErrorsMapToStatusCodes) {
  struct Case {
    int status;
    std::string body;
    absl::StatusCode code;
    int requests;  // 3 = retried up to max_attempts.
  };
  std::vector<Case> cases = {
      {401, R"({"error":"invalid_client","error_description":"The OAuth client was not found."})",
       absl::StatusCode::kUnauthenticated, 1},
      {400, R"({"error":"invalid_grant","error_description":"Invalid grant: account not found"})",
       absl::StatusCode::kUnauthenticated, 1},
      {400, R"({"error":"invalid_scope","error_description":"Invalid OAuth scope."})",
       absl::StatusCode::kInvalidArgument, 1},
      {403, R"({"error":"access_denied"})", absl::StatusCode::kPermissionDenied, 1},
      {500, "<html>Internal Server Error</html>", absl::StatusCode::kUnavailable, 3},
      {503, R"({"error":"temporarily_unavailable"})", absl::StatusCode::kUnavailable, 3},
      {429, R"({"error":"rate_limit_exceeded"})", absl::StatusCode::kResourceExhausted, 3},
  };
  std::string path = WriteFile("key.json", ServiceAccountJson(TestKey().private_pem));
  for (const Case& c : cases) {
    SCOPED_TRACE(c.status);
    FakeTokenEndpoint endpoint(TestKey().public_key, &clock_);
    endpoint.FailNext(1000, c.status, c.body);
    auto source = MustCreate(FileOptions(path, endpoint.url()));
    ASSERT_NE(source, nullptr);
    auto token = source->Token();
    ASSERT_FALSE(token.ok());
    EXPECT_EQ(token.status().code(), c.code) << token.status();
    EXPECT_THAT(token.status().message(), HasSubstr(absl::StrCat("HTTP ", c.status)));
    EXPECT_EQ(endpoint.requests(), c.requests);
  }
}

TEST_F(GoogleAuthTest, TransientFailureIsRetriedWithinOneCall) {
  FakeTokenEndpoint endpoint(TestKey().public_key, &clock_);
  endpoint.FailNext(2, 503, "Service Unavailable");
  std::string path = WriteFile("key.json", ServiceAccountJson(TestKey().private_pem));
  auto source = MustCreate(FileOptions(path, endpoint.url()));
  ASSERT_NE(source, nullptr);
  auto token = source->Token();
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(*token, "ya29.token-1");
  EXPECT_EQ(endpoint.requests(), 3);
}

TEST_F(GoogleAuthTest, UnreachableEndpointIsUnavailable) {
  std::string url = absl::StrCat("http://127.0.0.1:", ClosedPort(), "/token");
  std::string path = WriteFile("key.json", ServiceAccountJson(TestKey().private_pem));
  auto source = MustCreate(FileOptions(path, url));
  ASSERT_NE(source, nullptr);
  auto token = source->Token();
  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.status().code(), absl::StatusCode::kUnavailable) << token.status();
  EXPECT_THAT(token.status().message(), HasSubstr(url));
  EXPECT_THAT(token.status().message(), HasSubstr("after 3 attempts"));
}

TEST_F(GoogleAuthTest, ResponseWithoutAccessTokenIsAnError) {
  FakeTokenEndpoint endpoint(TestKey().public_key, &clock_);
  endpoint.FailNext(1, 200, R"({"token_type":"Bearer","expires_in":3600})");
  std::string path = WriteFile("key.json", ServiceAccountJson(TestKey().private_pem));
  auto source = MustCreate(FileOptions(path, endpoint.url()));
  ASSERT_NE(source, nullptr);
  auto token = source->Token();
  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(token.status().message(), HasSubstr("no access_token"));
}

TEST_F(GoogleAuthTest, SecretsNeverAppearInErrorsFromAnEchoingEndpoint) {
  FakeTokenEndpoint endpoint(TestKey().public_key, &clock_);
  endpoint.EchoRequestInErrors();
  std::string sa_path = WriteFile("key.json", ServiceAccountJson(TestKey().private_pem));
  std::string user_path = WriteFile("user.json", AuthorizedUserJson());

  auto sa = MustCreate(FileOptions(sa_path, endpoint.url()));
  ASSERT_NE(sa, nullptr);
  auto sa_token = sa->Token();
  ASSERT_FALSE(sa_token.ok());
  std::string assertion = endpoint.last_assertion();
  std::vector<std::string> parts = absl::StrSplit(assertion, '.');
  ASSERT_EQ(parts.size(), 3u);
  std::string message(sa_token.status().message());
  EXPECT_THAT(message, HasSubstr("[redacted]"));
  EXPECT_THAT(message, Not(HasSubstr(parts[2])));  // The signature.
  EXPECT_THAT(message, Not(HasSubstr(parts[2].substr(0, 16))));
  EXPECT_THAT(message, Not(HasSubstr(PrivateKeyLine(TestKey()))));

  auto user = MustCreate(FileOptions(user_path, endpoint.url()));
  ASSERT_NE(user, nullptr);
  auto user_token = user->Token();
  ASSERT_FALSE(user_token.ok());
  message = std::string(user_token.status().message());
  EXPECT_THAT(message, HasSubstr(user_path));
  EXPECT_THAT(message, Not(HasSubstr(kClientSecret)));
  EXPECT_THAT(message, Not(HasSubstr("RefreshTokenSecret")));
}

TEST_F(GoogleAuthTest, BadKeysAreNamedByPathWithoutTheirContent) {
  const std::string secret = "s3cr3t-k3y-m4t3r14l";
  struct Case {
    std::string name;
    std::string text;
    std::string expected;
  };
  std::vector<Case> cases = {
      {"not-json.json", absl::StrCat("{\"private_key\": \"", secret, "\" oops"), "not valid JSON"},
      {"array.json", absl::StrCat("[\"", secret, "\"]"), "not a JSON object"},
      {"no-type.json", Json{{"private_key", secret}}.dump(), "no \"type\""},
      {"bad-pem.json",
       Json{{"type", "service_account"},
            {"client_email", kEmail},
            {"private_key", absl::StrCat("-----BEGIN PRIVATE KEY-----\n", secret,
                                         "\n-----END PRIVATE KEY-----\n")}}
           .dump(),
       "private_key is not a PEM-encoded"},
      {"no-key.json", Json{{"type", "service_account"}, {"client_email", kEmail}}.dump(),
       "no \"private_key\""},
      {"no-secret.json",
       Json{{"type", "authorized_user"}, {"client_id", kClientId}, {"refresh_token", secret}}
           .dump(),
       "no \"client_secret\""},
      {"external.json",
       Json{{"type", "external_account"},
            {"audience", "//iam.googleapis.com/x"},
            {"credential_source", {{"file", secret}}}}
           .dump(),
       "\"external_account\" are not supported"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::string path = WriteFile(c.name, c.text);
    auto source = CreateTokenSource(FileOptions(path, "http://127.0.0.1:1/token"));
    ASSERT_FALSE(source.ok());
    EXPECT_EQ(source.status().code(), absl::StatusCode::kInvalidArgument) << source.status();
    EXPECT_THAT(source.status().message(), HasSubstr(c.expected));
    EXPECT_THAT(source.status().message(), HasSubstr(path));
    EXPECT_THAT(source.status().message(), Not(HasSubstr(secret)));

    // The same key given as keySource=JSON: named by its source only.
    CredentialsOptions options = Options();
    options.key_source = "JSON";
    options.keyfile = c.text;
    auto from_json = CreateTokenSource(options);
    ASSERT_FALSE(from_json.ok());
    EXPECT_THAT(from_json.status().message(), HasSubstr("keyfile (keySource=JSON)"));
    EXPECT_THAT(from_json.status().message(), HasSubstr(c.expected));
    EXPECT_THAT(from_json.status().message(), Not(HasSubstr(secret)));
  }
}

TEST_F(GoogleAuthTest, MissingKeyFileAndBadOptions) {
  std::string missing = (dir_ / "nope.json").string();
  auto source = CreateTokenSource(FileOptions(missing, ""));
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(source.status().message(), HasSubstr(absl::StrCat("keyfile ", missing)));

  source = CreateTokenSource(FileOptions(dir_.string(), ""));
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(source.status().message(), HasSubstr("is a directory"));

  source = CreateTokenSource(FileOptions("  ", ""));
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(source.status().message(), HasSubstr("keySource=FILE needs keyfile"));

  CredentialsOptions options = Options();
  options.key_source = "file";
  source = CreateTokenSource(options);
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(source.status().message(), HasSubstr("FILE, JSON or APPLICATION_DEFAULT"));
}

// APPLICATION_DEFAULT, in Google's order: $GOOGLE_APPLICATION_CREDENTIALS, then
// gcloud's file, then the metadata server.
TEST_F(GoogleAuthTest, AdcPrefersGoogleApplicationCredentials) {
  FakeTokenEndpoint endpoint(TestKey().public_key, &clock_);
  FakeMetadataServer metadata;
  env_["GOOGLE_APPLICATION_CREDENTIALS"] =
      WriteFile("sa/key.json", ServiceAccountJson(TestKey().private_pem));
  env_["CLOUDSDK_CONFIG"] = (dir_ / "gcloud").string();
  WriteFile("gcloud/application_default_credentials.json", AuthorizedUserJson());
  env_["GCE_METADATA_HOST"] = metadata.host();
  CredentialsOptions options = Options();
  options.key_source = "APPLICATION_DEFAULT";
  options.token_endpoint = endpoint.url();
  auto source = MustCreate(options);
  ASSERT_NE(source, nullptr);
  EXPECT_THAT(source->Describe(), HasSubstr("$GOOGLE_APPLICATION_CREDENTIALS"));
  EXPECT_EQ(source->Token().value_or(""), "ya29.token-1");
  EXPECT_EQ(endpoint.grants(), std::vector<std::string>{kJwtBearer});
  EXPECT_EQ(metadata.token_requests(), 0);
}

TEST_F(GoogleAuthTest, AdcEnvironmentVariableMustNameAReadableFile) {
  FakeMetadataServer metadata;
  std::string missing = (dir_ / "missing.json").string();
  env_["GOOGLE_APPLICATION_CREDENTIALS"] = missing;
  env_["GCE_METADATA_HOST"] = metadata.host();
  CredentialsOptions options = Options();
  options.key_source = "APPLICATION_DEFAULT";
  auto source = CreateTokenSource(options);
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(source.status().message(),
              HasSubstr(absl::StrCat("$GOOGLE_APPLICATION_CREDENTIALS file ", missing)));
  EXPECT_EQ(metadata.token_requests(), 0);
}

TEST_F(GoogleAuthTest, AdcUsesTheGcloudFileFromCloudsdkConfigOrHome) {
  FakeTokenEndpoint endpoint(TestKey().public_key, &clock_);
  FakeMetadataServer metadata;
  env_["GCE_METADATA_HOST"] = metadata.host();
  CredentialsOptions options = Options();
  options.key_source = "APPLICATION_DEFAULT";
  options.token_endpoint = endpoint.url();

  env_["HOME"] = (dir_ / "home").string();
  std::string home_file =
      WriteFile("home/.config/gcloud/application_default_credentials.json", AuthorizedUserJson());
  auto from_home = MustCreate(options);
  ASSERT_NE(from_home, nullptr);
  EXPECT_THAT(from_home->Describe(), HasSubstr(home_file));
  EXPECT_EQ(from_home->Token().value_or(""), "ya29.token-1");

  env_["CLOUDSDK_CONFIG"] = (dir_ / "sdk").string();
  std::string sdk_file = WriteFile("sdk/application_default_credentials.json",
                                   ServiceAccountJson(TestKey().private_pem));
  auto from_sdk = MustCreate(options);
  ASSERT_NE(from_sdk, nullptr);
  EXPECT_THAT(from_sdk->Describe(), HasSubstr(sdk_file));
  EXPECT_EQ(from_sdk->Token().value_or(""), "ya29.token-2");

  EXPECT_EQ(endpoint.grants(), (std::vector<std::string>{"refresh_token", kJwtBearer}));
  EXPECT_TRUE(endpoint.rejections().empty());
  EXPECT_EQ(metadata.token_requests(), 0);
}

TEST_F(GoogleAuthTest, AdcFallsBackToTheMetadataServer) {
  FakeMetadataServer metadata;
  env_["HOME"] = (dir_ / "empty-home").string();
  env_["GCE_METADATA_HOST"] = metadata.host();
  CredentialsOptions options = Options();
  options.key_source = "APPLICATION_DEFAULT";
  auto source = MustCreate(options);
  ASSERT_NE(source, nullptr);
  EXPECT_THAT(source->Describe(), HasSubstr(metadata.host()));
  EXPECT_EQ(source->Token().value_or(""), "ya29.metadata-1");
  EXPECT_EQ(source->Token().value_or(""), "ya29.metadata-1");
  EXPECT_EQ(metadata.token_requests(), 1);
  EXPECT_EQ(metadata.unflavored(), 0);

  // Metadata tokens are refreshed later than OAuth2 ones (the server caches
  // its token until about 4 minutes before expiry).
  clock_.Advance(absl::Seconds(3599 - 270));  // 4.5 minutes left.
  EXPECT_EQ(source->Token().value_or(""), "ya29.metadata-1");
  clock_.Advance(absl::Seconds(60));  // 3.5 minutes left.
  EXPECT_EQ(source->Token().value_or(""), "ya29.metadata-2");
  EXPECT_EQ(metadata.token_requests(), 2);
}

TEST_F(GoogleAuthTest, MetadataHostOptionOverridesTheEnvironment) {
  FakeMetadataServer metadata;
  env_["GCE_METADATA_HOST"] = absl::StrCat("127.0.0.1:", ClosedPort());
  CredentialsOptions options = Options();
  options.key_source = "APPLICATION_DEFAULT";
  options.metadata_host = metadata.host();
  auto source = MustCreate(options);
  ASSERT_NE(source, nullptr);
  EXPECT_EQ(source->Token().value_or(""), "ya29.metadata-1");
}

TEST_F(GoogleAuthTest, AdcFailsWhenNothingIsFound) {
  CredentialsOptions options = Options();
  options.key_source = "APPLICATION_DEFAULT";
  env_["HOME"] = (dir_ / "empty-home").string();

  // Nothing listens.
  env_["GCE_METADATA_HOST"] = absl::StrCat("127.0.0.1:", ClosedPort());
  auto source = CreateTokenSource(options);
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(source.status().message(), HasSubstr("no application default credentials found"));
  EXPECT_THAT(source.status().message(), HasSubstr("GOOGLE_APPLICATION_CREDENTIALS"));

  // A server that is not a metadata server (no Metadata-Flavor in its answer).
  FakeMetadataServer impostor(/*flavored=*/false);
  env_["GCE_METADATA_HOST"] = impostor.host();
  source = CreateTokenSource(options);
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.status().code(), absl::StatusCode::kFailedPrecondition);

  // NO_GCE_CHECK=true skips even a real one.
  FakeMetadataServer metadata;
  env_["GCE_METADATA_HOST"] = metadata.host();
  env_["NO_GCE_CHECK"] = "true";
  source = CreateTokenSource(options);
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(GoogleAuthTest, AdcRecognisesGceByItsProductName) {
  // The metadata server does not answer the probe, but SMBIOS says Google:
  // the source is made, and its token requests go to the metadata host.
  env_["HOME"] = (dir_ / "empty-home").string();
  std::string url_host = absl::StrCat("127.0.0.1:", ClosedPort());
  env_["GCE_METADATA_HOST"] = url_host;
  CredentialsOptions options = Options();
  options.key_source = "APPLICATION_DEFAULT";
  options.gce_product_name_path = WriteFile("product_name", "Google Compute Engine\n");
  auto source = MustCreate(options);
  ASSERT_NE(source, nullptr);
  auto token = source->Token();
  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(token.status().message(), HasSubstr(url_host));
}

}  // namespace
}  // namespace ferry::bigquery
