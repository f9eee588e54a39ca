#include "bigquery/http.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "bigquery/test_tls.h"

namespace ferry::bigquery {
namespace {

using ::testing::Contains;
using ::testing::Pair;

struct Seen {
  std::string method;
  std::string body;
  std::map<std::string, std::string> headers;  // names lower-cased.
  bool has_content_length = false;
  int remote_port = 0;
};

// Records every request and answers 201 with headers of its own; /hang holds
// the answer until Release().
class Server {
 public:
  Server() {
    auto handler = [this](const httplib::Request& req, httplib::Response& res) {
      Seen seen{req.method, req.body, {}, req.has_header("Content-Length"), req.remote_port};
      for (const auto& [name, value] : req.headers)
        seen.headers[absl::AsciiStrToLower(name)] = value;
      std::unique_lock<std::mutex> lock(mu_);
      seen_.push_back(std::move(seen));
      if (req.path == "/hang") {
        cv_.wait_for(lock, std::chrono::seconds(30), [this] { return released_; });
      }
      res.status = 201;
      res.set_header("X-Reply", "first");
      res.set_header("x-reply", "second");
      res.set_content(absl::StrCat("echo:", req.body), "text/plain");
    };
    server_.Get(".*", handler);
    server_.Post(".*", handler);
    server_.Patch(".*", handler);
    server_.Delete(".*", handler);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() before the accept loop runs would not end it.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!server_.is_running() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::yield();
    }
  }
  ~Server() {
    Release();
    server_.stop();
    thread_.join();
  }
  std::string Url(const std::string& path) const {
    return absl::StrCat("http://127.0.0.1:", port_, path);
  }
  std::vector<Seen> seen() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    released_ = true;
    cv_.notify_all();
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool released_ = false;
  std::vector<Seen> seen_;
};

TEST(HttpTest, SendsMethodHeadersAndBodyAndReturnsTheResponse) {
  Server server;
  HttpRequest request;
  request.method = "PATCH";
  request.url = server.Url("/x?a=1");
  request.headers = {"Content-Type: application/json", "If-Match: etag-1"};
  const std::string body = R"({"k":1})";
  request.body = body;
  absl::StatusOr<HttpResponse> response = SendHttpRequest(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 201);
  EXPECT_EQ(response->body, R"(echo:{"k":1})");
  EXPECT_EQ(response->Header("content-type"), "text/plain");
  EXPECT_EQ(response->Header("X-REPLY"), "second");  // the last of a repeated header.
  EXPECT_THAT(response->headers, Contains(Pair("X-Reply", "first")));
  EXPECT_EQ(response->Header("X-Missing"), "");
  std::vector<Seen> seen = server.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "PATCH");
  EXPECT_EQ(seen[0].body, body);
  EXPECT_EQ(seen[0].headers["content-type"], "application/json");
  EXPECT_EQ(seen[0].headers["if-match"], "etag-1");
}

TEST(HttpTest, GetSendsNoBodyAndAnEmptyBodyIsSentAsSuch) {
  Server server;
  HttpRequest get;
  get.url = server.Url("/get");
  ASSERT_TRUE(SendHttpRequest(get).ok());
  HttpRequest del;
  del.method = "DELETE";
  del.url = server.Url("/delete");
  del.body = "";
  ASSERT_TRUE(SendHttpRequest(del).ok());
  std::vector<Seen> seen = server.seen();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_FALSE(seen[0].has_content_length);
  EXPECT_EQ(seen[1].method, "DELETE");
  EXPECT_EQ(seen[1].headers["content-length"], "0");
}

TEST(HttpTest, AConnectionKeepsItsConnectionAlive) {
  Server server;
  absl::StatusOr<std::unique_ptr<HttpConnection>> connection = HttpConnection::Create();
  ASSERT_TRUE(connection.ok());
  HttpRequest request;
  request.url = server.Url("/a");
  ASSERT_TRUE((*connection)->Send(request).ok());
  request.url = server.Url("/b");
  ASSERT_TRUE((*connection)->Send(request).ok());
  std::vector<Seen> seen = server.seen();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].remote_port, seen[1].remote_port);
}

TEST(HttpTest, OnlyTheFinalResponsesHeadersAreReturned) {
  Server server;
  HttpRequest request;
  request.method = "POST";
  request.url = server.Url("/continue");
  request.headers = {"Expect: 100-continue"};
  const std::string body(4096, 'x');
  request.body = body;
  absl::StatusOr<HttpResponse> response = SendHttpRequest(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 201);
  EXPECT_EQ(response->body, "echo:" + body);
  EXPECT_EQ(response->Header("X-Reply"), "second");
}

TEST(HttpTest, TransportFailuresAreUnavailableAndTimeoutsDeadlineExceeded) {
  HttpRequest refused;
  {
    Server gone;
    refused.url = gone.Url("/");
  }  // Nothing listens there any more: connections are refused at once.
  absl::StatusOr<HttpResponse> response = SendHttpRequest(refused);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable) << response.status();

  Server server;
  HttpRequest slow;
  slow.url = server.Url("/hang");
  slow.timeout = absl::Milliseconds(300);
  response = SendHttpRequest(slow);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kDeadlineExceeded) << response.status();
}

TEST(HttpTest, OnlyHttpAndHttpsAreSpoken) {
  HttpRequest file;
  file.url = "file:///etc/hostname";
  absl::StatusOr<HttpResponse> response = SendHttpRequest(file);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable) << response.status();
}

TEST(HttpTest, StatusCodesAreGooglesMapping) {
  EXPECT_EQ(StatusCodeFromHttp(200), absl::StatusCode::kOk);
  EXPECT_EQ(StatusCodeFromHttp(204), absl::StatusCode::kOk);
  EXPECT_EQ(StatusCodeFromHttp(400), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(StatusCodeFromHttp(401), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(StatusCodeFromHttp(403), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(StatusCodeFromHttp(404), absl::StatusCode::kNotFound);
  EXPECT_EQ(StatusCodeFromHttp(409), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(StatusCodeFromHttp(412), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(StatusCodeFromHttp(429), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(StatusCodeFromHttp(500), absl::StatusCode::kUnavailable);
  EXPECT_EQ(StatusCodeFromHttp(503), absl::StatusCode::kUnavailable);
  EXPECT_EQ(StatusCodeFromHttp(302), absl::StatusCode::kUnknown);
  EXPECT_EQ(StatusCodeFromHttp(408), absl::StatusCode::kUnknown);
  EXPECT_EQ(StatusCodeFromHttp(413), absl::StatusCode::kUnknown);
}

// An HTTPS server whose certificate no system CA signed; with a client CA, it
// asks for a client certificate and refuses connections without one.
class TlsServer {
 public:
  TlsServer(const ferry::testing::TestCertificate& server, const std::string* client_ca_pem) {
    dir_ = std::filesystem::temp_directory_path() /
           absl::StrCat("ferry-http-tls-", ::getpid(), "-", reinterpret_cast<uintptr_t>(this));
    std::filesystem::create_directories(dir_);
    const std::string cert = Write("cert.pem", server.cert_pem);
    const std::string key = Write("key.pem", server.key_pem);
    if (client_ca_pem != nullptr) {
      const std::string ca = Write("client-ca.pem", *client_ca_pem);
      server_ = std::make_unique<httplib::SSLServer>(cert.c_str(), key.c_str(), ca.c_str());
    } else {
      server_ = std::make_unique<httplib::SSLServer>(cert.c_str(), key.c_str());
    }
    server_->Get("/", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("secure", "text/plain");
    });
    port_ = server_->bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!server_->is_running() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::yield();
    }
  }
  ~TlsServer() {
    server_->stop();
    thread_.join();
    std::filesystem::remove_all(dir_);
  }
  std::string Url(const std::string& host) const {
    return absl::StrCat("https://", host, ":", port_, "/");
  }

 private:
  std::string Write(const std::string& name, const std::string& data) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << data;
    return path;
  }
  std::filesystem::path dir_;
  std::unique_ptr<httplib::SSLServer> server_;
  int port_ = 0;
  std::thread thread_;
};

TEST(HttpTest, TlsTrustsTheGivenCasAndSendsTheClientCertificate) {
  const ferry::testing::TestCertificate server_cert =
      ferry::testing::MakeSelfSignedCertificate("localhost");
  const ferry::testing::TestCertificate client_cert =
      ferry::testing::MakeSelfSignedCertificate("ferry-client");
  {
    TlsServer server(server_cert, nullptr);
    HttpRequest request;
    request.url = server.Url("localhost");
    // The system's CAs do not know the server's certificate.
    EXPECT_EQ(SendHttpRequest(request).status().code(), absl::StatusCode::kUnavailable);
    TlsOptions tls;
    tls.ca_pem = server_cert.cert_pem;
    request.tls = &tls;
    absl::StatusOr<HttpResponse> response = SendHttpRequest(request);
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(response->body, "secure");
  }
  {
    // A certificate for another host is refused unless host names are not checked.
    const ferry::testing::TestCertificate other =
        ferry::testing::MakeSelfSignedCertificate("registry", "DNS:registry.example");
    TlsServer server(other, nullptr);
    TlsOptions tls;
    tls.ca_pem = other.cert_pem;
    HttpRequest request;
    request.url = server.Url("127.0.0.1");
    request.tls = &tls;
    EXPECT_EQ(SendHttpRequest(request).status().code(), absl::StatusCode::kUnavailable);
    tls.verify_hostname = false;
    EXPECT_TRUE(SendHttpRequest(request).ok());
  }
  TlsServer mutual(server_cert, &client_cert.cert_pem);
  TlsOptions tls;
  tls.ca_pem = server_cert.cert_pem;
  HttpRequest request;
  request.url = mutual.Url("localhost");
  request.tls = &tls;
  EXPECT_FALSE(SendHttpRequest(request).ok());
  tls.client_cert_pem = client_cert.cert_pem;
  tls.client_key_pem = client_cert.key_pem;
  absl::StatusOr<HttpResponse> response = SendHttpRequest(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->body, "secure");
}

TEST(HttpTest, UrlEscapeKeepsOnlyUnreservedCharacters) {
  EXPECT_EQ(UrlEscape("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(UrlEscape("a b/c?d=e&f+g:h"), "a%20b%2Fc%3Fd%3De%26f%2Bg%3Ah");
  EXPECT_EQ(UrlEscape("\xC3\xBC"), "%C3%BC");
  EXPECT_EQ(UrlEscape(std::string("\0", 1)), "%00");
}

}  // namespace
}  // namespace ferry::bigquery
