#include "rest/server.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <string>

namespace ferry::rest {
namespace {

TEST(ParseListenersTest, ConnectForms) {
  auto l = ParseListeners("http://:8083");
  ASSERT_TRUE(l.ok()) << l.status();
  EXPECT_EQ(l->host, "");
  EXPECT_EQ(l->port, 8083);
  l = ParseListeners("HTTP://127.0.0.1:0");
  ASSERT_TRUE(l.ok()) << l.status();
  EXPECT_EQ(l->host, "127.0.0.1");
  EXPECT_EQ(l->port, 0);
  l = ParseListeners("https://a:8443, http://b:9000");
  ASSERT_TRUE(l.ok()) << l.status();
  EXPECT_EQ(l->host, "b");
  EXPECT_EQ(l->port, 9000);
  l = ParseListeners("http://[::1]:8083");
  ASSERT_TRUE(l.ok()) << l.status();
  EXPECT_EQ(l->host, "::1");
  for (const char* bad : {"", "8083", "http://host", "http://host:x", "ftp://a:1", "http://a:70000",
                          "https://a:8443"}) {
    EXPECT_FALSE(ParseListeners(bad).ok()) << bad;
  }
}

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto router = std::make_shared<Router>();
    router->Add("POST", "/echo", [](const Request& r) {
      return Response::Json(201, {{"body", r.body}, {"q", r.Query("q").value_or("")}});
    });
    router->Add("GET", "/connectors/{name}", [](const Request& r) {
      Response out = Response::Json(200, {{"name", r.params.at("name")}});
      out.headers["Location"] = "http://x/connectors/" + r.params.at("name");
      return out;
    });
    router->Add("DELETE", "/connectors/{name}",
                [](const Request&) { return Response::NoContent(); });
    ServerOptions options;
    options.listener = {"127.0.0.1", 0};
    options.max_body_bytes = 1024;
    auto server = Server::Start(router, options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
  }
  std::unique_ptr<Server> server_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(ServerTest, ServesTheRouterOverHttp) {
  auto r = client_->Post("/echo?q=1", "{\"a\":1}", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(nlohmann::json::parse(r->body), nlohmann::json({{"body", "{\"a\":1}"}, {"q", "1"}}));
  r = client_->Get("/connectors/a%20b");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(nlohmann::json::parse(r->body)["name"], "a b");
  EXPECT_EQ(r->get_header_value("Location"), "http://x/connectors/a b");
  r = client_->Delete("/connectors/a");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 204);
  EXPECT_TRUE(r->body.empty());
  r = client_->Get("/nothing");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(nlohmann::json::parse(r->body)["message"], "HTTP 404 Not Found");
  r = client_->Put("/connectors/a", "{}", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
}

TEST_F(ServerTest, ABodyOverTheLimitIs413) {
  auto r = client_->Post("/echo", std::string(4096, 'x'), "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(nlohmann::json::parse(r->body)["error_code"], 413);
}

TEST_F(ServerTest, APortInUseIsAnErrorAtStart) {
  ServerOptions options;
  options.listener = {"127.0.0.1", server_->port()};
  auto second = Server::Start(std::make_shared<Router>(), options);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace ferry::rest
