#include "rest/router.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace ferry::rest {
namespace {

nlohmann::json Body(const Response& r) { return nlohmann::json::parse(r.body); }

Request Req(std::string method, std::string path, std::string body = "") {
  Request r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.body = std::move(body);
  return r;
}

TEST(RouterTest, PatternsBindTheirParametersAndLiteralsMustMatch) {
  Router router;
  router.Add("GET", "/connectors/{connector}/tasks/{task}/status", [](const Request& r) {
    return Response::Json(200, {{"c", r.params.at("connector")}, {"t", r.params.at("task")}});
  });
  router.Add("GET", "/connectors/{connector}", [](const Request& r) {
    return Response::Json(200, {{"only", r.params.at("connector")}});
  });
  Response r = router.Route(Req("GET", "/connectors/orders sink/tasks/2/status"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Body(r), nlohmann::json({{"c", "orders sink"}, {"t", "2"}}));
  EXPECT_EQ(Body(router.Route(Req("GET", "/connectors/x/"))), nlohmann::json({{"only", "x"}}));
  r = router.Route(Req("GET", "/connectors/x/tasks/2/config"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(Body(r), nlohmann::json({{"error_code", 404}, {"message", "HTTP 404 Not Found"}}));
}

TEST(RouterTest, AKnownPathWithAnotherMethodIs405) {
  Router router;
  router.Add("GET", "/connectors", [](const Request&) { return Response::Json(200, {}); });
  Response r = router.Route(Req("DELETE", "/connectors"));
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(Body(r),
            nlohmann::json({{"error_code", 405}, {"message", "HTTP 405 Method Not Allowed"}}));
}

TEST(RouterTest, AThrowingHandlerIsA500NotACrash) {
  Router router;
  router.Add("GET", "/boom", [](const Request&) -> Response { throw std::runtime_error("bad"); });
  Response r = router.Route(Req("GET", "/boom"));
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(Body(r)["error_code"], 500);
}

TEST(RouterTest, StatusCodesMapAsConnectAnswers) {
  EXPECT_EQ(Response::FromStatus(absl::NotFoundError("x")).status, 404);
  EXPECT_EQ(Response::FromStatus(absl::AlreadyExistsError("x")).status, 409);
  EXPECT_EQ(Response::FromStatus(absl::AbortedError("rebalance")).status, 409);
  EXPECT_EQ(Response::FromStatus(absl::InvalidArgumentError("x")).status, 400);
  EXPECT_EQ(Response::FromStatus(absl::FailedPreconditionError("x")).status, 400);
  EXPECT_EQ(Response::FromStatus(absl::InternalError("x")).status, 500);
  Response r = Response::FromStatus(absl::NotFoundError("Connector a not found"));
  EXPECT_EQ(Body(r), nlohmann::json({{"error_code", 404}, {"message", "Connector a not found"}}));
}

TEST(RouterTest, QueryParametersAndJsonBodies) {
  Request r = Req("GET", "/connectors", "{\"a\":1}");
  r.query = {{"expand", "status"}, {"expand", "info"}, {"forward", "true"}};
  EXPECT_EQ(r.QueryAll("expand"), (std::vector<std::string>{"status", "info"}));
  EXPECT_EQ(r.Query("forward"), "true");
  EXPECT_EQ(r.Query("missing"), std::nullopt);
  ASSERT_TRUE(r.Json().ok());
  EXPECT_EQ((*r.Json())["a"], 1);
  EXPECT_FALSE(Req("POST", "/", "{\"a\":").Json().ok());
  EXPECT_FALSE(Req("POST", "/", "").Json().ok());
}

}  // namespace
}  // namespace ferry::rest
