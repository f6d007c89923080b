// The control API (control_api.h) driven through Handle against the embedded store: each kind's
// create, get, update, list with paging and delete, errors and their statuses, and that a
// connection's password never leaves the server.
#include "api/control_api.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/json.h"
#include "docdb/testing/temp_store.h"

namespace tactus::api {
namespace {

namespace json = boost::json;

constexpr const char* kMachine = "arn:aws:states:us-east-1:123456789012:stateMachine:m";
constexpr const char* kSchedulePrefix =
    "arn:aws:scheduler:us-east-1:123456789012:schedule/default/";
constexpr common::TimeMs kNow = 1714557600000;  // 2024-05-01T10:00:00Z

struct Answer {
  int status = 0;
  json::object body;
  std::string text;
  std::string error_type;  // the x-amzn-ErrorType header

  std::string Message() const {
    auto* m = body.if_contains("Message");
    return m && m->is_string() ? std::string(m->as_string()) : std::string();
  }
};

class ControlApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    docdb::testing::TempStore::Options store;
    store.prefix = "tactus-control";
    store.worker_threads = 4;
    auto started = docdb::testing::TempStore::Start(store);
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    docdb_ = std::move(*started);
    pool_ = &docdb_->pool();
    registry_ = std::make_unique<triggers::Registry>(*pool_, "tactus");
    api_ = std::make_unique<ControlApi>(*registry_, clock_, common::ArnContext{});
  }

  void TearDown() override {
    for (const auto& text : bodies_) {
      EXPECT_EQ(text.find("secret"), std::string::npos) << "a password in a response: " << text;
    }
    api_.reset();
    registry_.reset();
    docdb_.reset();
  }

  Answer Send(const std::string& method, const std::string& target, const std::string& body = "") {
    HttpRequest request;
    request.method = method;
    request.target = target;
    request.body = body;
    EXPECT_TRUE(ControlApi::Owns(request)) << target;
    std::optional<HttpResponse> response;
    api_->Handle(request, [&](HttpResponse r) { response = std::move(r); });
    Answer a;
    if (!response) {
      ADD_FAILURE() << method << " " << target << ": no answer";
      return a;
    }
    a.status = response->status;
    a.text = response->body;
    bodies_.push_back(response->body);
    for (const auto& [k, v] : response->headers) {
      if (k == "x-amzn-ErrorType") a.error_type = v;
    }
    auto parsed = common::ParseJson(response->body);
    EXPECT_TRUE(parsed.ok() && parsed->is_object()) << response->body;
    if (parsed.ok() && parsed->is_object()) a.body = parsed->as_object();
    return a;
  }

  static std::string Schedule(const std::string& expression, const std::string& extra = "") {
    return R"({"ScheduleExpression": ")" + expression +
           R"(", "FlexibleTimeWindow": {"Mode": "OFF"}, "Target": {"Arn": ")" + kMachine +
           R"(", "RoleArn": "arn:aws:iam::123456789012:role/x", "Input": "{\"a\": 1}"})" + extra +
           "}";
  }

  static std::string Trigger(const std::string& extra = "") {
    return R"({"Database": "shop", "Collection": "orders", "Target": {"Arn": ")" +
           std::string(kMachine) + R"("})" + extra + "}";
  }

  // Every name of a paged list, asking `page` at a time; the number of requests in *pages.
  std::vector<std::string> AllNames(const std::string& path, const std::string& key, int page,
                                    const std::string& query = "", int* pages = nullptr) {
    std::vector<std::string> names;
    std::string token;
    int n = 0;
    while (true) {
      std::string target = path + "?MaxResults=" + std::to_string(page) + query;
      if (!token.empty()) target += "&NextToken=" + token;
      Answer a = Send("GET", target);
      EXPECT_EQ(a.status, 200) << a.text;
      if (a.status != 200) break;
      ++n;
      const auto& items = a.body.at(key).as_array();
      EXPECT_LE(items.size(), static_cast<std::size_t>(page));
      for (const auto& item : items) names.emplace_back(item.at("Name").as_string());
      auto* next = a.body.if_contains("NextToken");
      if (!next) break;
      token = std::string(next->as_string());
      if (n > 100) break;
    }
    if (pages) *pages = n;
    return names;
  }

  std::unique_ptr<docdb::testing::TempStore> docdb_;
  mongo::Pool* pool_ = nullptr;  // docdb_'s
  common::VirtualClock clock_{kNow};
  std::unique_ptr<triggers::Registry> registry_;
  std::unique_ptr<ControlApi> api_;
  std::vector<std::string> bodies_;
};

TEST_F(ControlApiTest, OwnsItsPrefixesOnly) {
  auto owns = [](std::string target) {
    HttpRequest r;
    r.target = std::move(target);
    return ControlApi::Owns(r);
  };
  EXPECT_TRUE(owns("/schedules"));
  EXPECT_TRUE(owns("/schedules?NamePrefix=a"));
  EXPECT_TRUE(owns("/schedules/x"));
  EXPECT_TRUE(owns("/v1/triggers/x/y"));
  EXPECT_TRUE(owns("/v1/connections"));
  EXPECT_TRUE(owns("/v1/functions/f"));
  EXPECT_FALSE(owns("/"));
  EXPECT_FALSE(owns("/healthz"));
  EXPECT_FALSE(owns("/schedulesX"));
  EXPECT_FALSE(owns("/v1/other"));
  EXPECT_FALSE(owns("/v1/triggersX"));
}

TEST_F(ControlApiTest, ScheduleCreateGetUpdateDelete) {
  Answer created = Send("POST", "/schedules/nightly", Schedule("rate(5 minutes)"));
  ASSERT_EQ(created.status, 200) << created.text;
  EXPECT_EQ(created.body.at("ScheduleArn").as_string(), std::string(kSchedulePrefix) + "nightly");

  Answer got = Send("GET", "/schedules/nightly?groupName=default");
  ASSERT_EQ(got.status, 200) << got.text;
  EXPECT_EQ(got.body.at("Name").as_string(), "nightly");
  EXPECT_EQ(got.body.at("Arn").as_string(), std::string(kSchedulePrefix) + "nightly");
  EXPECT_EQ(got.body.at("GroupName").as_string(), "default");
  EXPECT_EQ(got.body.at("ScheduleExpression").as_string(), "rate(5 minutes)");
  EXPECT_EQ(got.body.at("ScheduleExpressionTimezone").as_string(), "UTC");
  EXPECT_EQ(got.body.at("State").as_string(), "ENABLED");
  EXPECT_EQ(got.body.at("FlexibleTimeWindow").at("Mode").as_string(), "OFF");
  EXPECT_EQ(got.body.at("Target").at("Arn").as_string(), kMachine);
  EXPECT_EQ(got.body.at("Target").at("Input").as_string(), R"({"a": 1})");
  EXPECT_DOUBLE_EQ(common::ToDouble(got.body.at("CreationDate")), kNow / 1000.0);
  EXPECT_DOUBLE_EQ(common::ToDouble(got.body.at("NextFireTime")), kNow / 1000.0 + 300);

  Answer dup = Send("POST", "/schedules/nightly", Schedule("rate(1 hour)"));
  EXPECT_EQ(dup.status, 409) << dup.text;
  EXPECT_EQ(dup.error_type, "ConflictException");
  EXPECT_EQ(dup.body.at("__type").as_string(), "ConflictException");
  EXPECT_NE(dup.Message().find("nightly"), std::string::npos) << dup.text;

  clock_.AdvanceTo(kNow + 60000);
  Answer updated =
      Send("PUT", "/schedules/nightly", Schedule("cron(0 3 * * ? *)", R"(, "State": "DISABLED")"));
  ASSERT_EQ(updated.status, 200) << updated.text;
  EXPECT_EQ(updated.body.at("ScheduleArn").as_string(), std::string(kSchedulePrefix) + "nightly");
  got = Send("GET", "/schedules/nightly");
  EXPECT_EQ(got.body.at("ScheduleExpression").as_string(), "cron(0 3 * * ? *)");
  EXPECT_EQ(got.body.at("State").as_string(), "DISABLED");
  EXPECT_DOUBLE_EQ(common::ToDouble(got.body.at("LastModificationDate")), kNow / 1000.0 + 60);
  EXPECT_DOUBLE_EQ(common::ToDouble(got.body.at("CreationDate")), kNow / 1000.0);
  EXPECT_FALSE(got.body.contains("NextFireTime")) << "a disabled schedule has no next fire time";

  // What GET answers can be sent back as is.
  Answer round_trip = Send("PUT", "/schedules/nightly", got.text);
  EXPECT_EQ(round_trip.status, 200) << round_trip.text;

  Answer deleted = Send("DELETE", "/schedules/nightly");
  EXPECT_EQ(deleted.status, 200) << deleted.text;
  EXPECT_TRUE(deleted.body.empty());
  Answer gone = Send("GET", "/schedules/nightly");
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(gone.error_type, "ResourceNotFoundException");
  EXPECT_EQ(gone.body.at("__type").as_string(), "ResourceNotFoundException");
  EXPECT_EQ(Send("DELETE", "/schedules/nightly").status, 404);
  Answer missing_update = Send("PUT", "/schedules/nightly", Schedule("rate(1 hour)"));
  EXPECT_EQ(missing_update.status, 404) << missing_update.text;
}

TEST_F(ControlApiTest, ScheduleListPagesAndFilters) {
  for (std::string name : {"b1", "a1", "a2", "a3", "a4", "c1"}) {
    std::string extra = name == "a2" ? R"(, "State": "DISABLED")" : "";
    ASSERT_EQ(Send("POST", "/schedules/" + name, Schedule("rate(1 day)", extra)).status, 200);
  }
  Answer all = Send("GET", "/schedules");
  ASSERT_EQ(all.status, 200) << all.text;
  EXPECT_FALSE(all.body.contains("NextToken"));
  const auto& items = all.body.at("Schedules").as_array();
  ASSERT_EQ(items.size(), 6u);
  const auto& first = items[0].as_object();
  EXPECT_EQ(first.at("Name").as_string(), "a1");
  EXPECT_EQ(first.at("Arn").as_string(), std::string(kSchedulePrefix) + "a1");
  EXPECT_EQ(first.at("GroupName").as_string(), "default");
  EXPECT_EQ(first.at("State").as_string(), "ENABLED");
  EXPECT_EQ(first.at("Target").at("Arn").as_string(), kMachine);
  EXPECT_TRUE(first.contains("CreationDate"));
  EXPECT_TRUE(first.contains("LastModificationDate"));

  int pages = 0;
  EXPECT_EQ(AllNames("/schedules", "Schedules", 2, "", &pages),
            (std::vector<std::string>{"a1", "a2", "a3", "a4", "b1", "c1"}));
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(AllNames("/schedules", "Schedules", 3, "&NamePrefix=a"),
            (std::vector<std::string>{"a1", "a2", "a3", "a4"}));
  EXPECT_EQ(AllNames("/schedules", "Schedules", 1, "&State=ENABLED&NamePrefix=a"),
            (std::vector<std::string>{"a1", "a3", "a4"}));
  EXPECT_EQ(AllNames("/schedules", "Schedules", 5, "&State=DISABLED"),
            (std::vector<std::string>{"a2"}));
  EXPECT_EQ(Send("GET", "/schedules?ScheduleGroup=other").body.at("Schedules").as_array().size(),
            0u);

  for (const char* bad : {"MaxResults=0", "MaxResults=101", "MaxResults=x", "State=ON",
                          "NamePrefix=a%2Fb", "NextToken=%20"}) {
    Answer a = Send("GET", std::string("/schedules?") + bad);
    EXPECT_EQ(a.status, 400) << bad;
    std::string param(bad, std::string_view(bad).find('='));
    EXPECT_NE(a.Message().find(param), std::string::npos) << bad << ": " << a.text;
  }
}

TEST_F(ControlApiTest, ScheduleValidationNamesTheField) {
  struct Case {
    std::string body, field;
  };
  std::vector<Case> cases = {
      {R"({"FlexibleTimeWindow": {"Mode": "OFF"}, "Target": {"Arn": ")" + std::string(kMachine) +
           R"("}})",
       "ScheduleExpression"},
      {Schedule("rate(0 minutes)"), "ScheduleExpression"},
      {Schedule("rate(5 minutes)", R"(, "ScheduleExpressionTimezone": "Mars/Olympus")"),
       "ScheduleExpression"},
      {R"j({"ScheduleExpression": "rate(5 minutes)"})j", "Target"},
      {R"j({"ScheduleExpression": "rate(5 minutes)", "Target": {"Arn": "arn:aws:sqs:x"}})j",
       "Target.Arn"},
      {R"j({"ScheduleExpression": "rate(5 minutes)", "Target": {"Arn": ")j" +
           std::string(kMachine) + R"(", "Input": "{no"}})",
       "Target.Input"},
      {R"j({"ScheduleExpression": "rate(5 minutes)", "Target": {"Arn": )j"
       R"("arn:aws:states:eu-west-1:123456789012:stateMachine:m"}})",
       "Target.Arn"},
      {Schedule("rate(5 minutes)", R"(, "State": "ON")"), "State"},
      {Schedule("rate(5 minutes)", R"(, "CatchUp": "SOME")"), "CatchUp"},
      {Schedule("rate(5 minutes)", R"(, "StartDate": "tomorrow")"), "StartDate"},
      {Schedule("rate(5 minutes)", R"(, "StartDate": 1800000000, "EndDate": 1700000000)"),
       "EndDate"},
      {Schedule("rate(5 minutes)", R"(, "Colour": "red")"), "Colour"},
      {Schedule("rate(5 minutes)", R"(, "GroupName": "other")"), "GroupName"},
  };
  for (const auto& c : cases) {
    Answer a = Send("POST", "/schedules/s", c.body);
    EXPECT_EQ(a.status, 400) << c.body << ": " << a.text;
    EXPECT_EQ(a.error_type, "ValidationException") << c.body;
    EXPECT_NE(a.Message().find(c.field), std::string::npos) << c.body << ": " << a.text;
  }
  Answer not_json = Send("POST", "/schedules/s", "{\"ScheduleExpression\": ");
  EXPECT_EQ(not_json.status, 400);
  EXPECT_NE(not_json.Message().find("not JSON"), std::string::npos) << not_json.text;
  EXPECT_NE(not_json.Message().find("line 1"), std::string::npos) << not_json.text;
  Answer array = Send("POST", "/schedules/s", "[]");
  EXPECT_EQ(array.status, 400);
  EXPECT_NE(array.Message().find("JSON object"), std::string::npos) << array.text;
  Answer bad_name = Send("POST", "/schedules/a%20b", Schedule("rate(5 minutes)"));
  EXPECT_EQ(bad_name.status, 400);
  EXPECT_NE(bad_name.Message().find("Name"), std::string::npos) << bad_name.text;
  Answer other_name =
      Send("POST", "/schedules/s", R"({"Name": "t", )" + Schedule("rate(5 minutes)").substr(1));
  EXPECT_EQ(other_name.status, 400);
  EXPECT_NE(other_name.Message().find("Name"), std::string::npos) << other_name.text;
  Answer group = Send("GET", "/schedules/s?groupName=other");
  EXPECT_EQ(group.status, 404);
  EXPECT_EQ(Send("GET", "/schedules").body.at("Schedules").as_array().size(), 0u);
}

TEST_F(ControlApiTest, RoutingErrors) {
  Answer deep = Send("GET", "/v1/triggers/a/b");
  EXPECT_EQ(deep.status, 404);
  EXPECT_EQ(Send("GET", "/schedules/").status, 404);
  Answer post_list = Send("POST", "/schedules", "{}");
  EXPECT_EQ(post_list.status, 405);
  Answer patch = Send("PATCH", "/v1/functions/f", "{}");
  EXPECT_EQ(patch.status, 405);
  EXPECT_NE(patch.Message().find("PATCH"), std::string::npos) << patch.text;
}

TEST_F(ControlApiTest, Triggers) {
  Answer created = Send("POST", "/v1/triggers/on-order", Trigger());
  ASSERT_EQ(created.status, 200) << created.text;
  EXPECT_EQ(created.body.at("TriggerArn").as_string(),
            "arn:tactus:triggers:us-east-1:123456789012:trigger/on-order");
  Answer got = Send("GET", "/v1/triggers/on-order");
  ASSERT_EQ(got.status, 200) << got.text;
  EXPECT_EQ(got.body.at("Name").as_string(), "on-order");
  EXPECT_EQ(got.body.at("Arn").as_string(),
            "arn:tactus:triggers:us-east-1:123456789012:trigger/on-order");
  EXPECT_EQ(got.body.at("Database").as_string(), "shop");
  EXPECT_EQ(got.body.at("Collection").as_string(), "orders");
  EXPECT_EQ(common::SerializeJson(got.body.at("Operations")), R"(["insert"])");
  EXPECT_EQ(got.body.at("State").as_string(), "ENABLED");
  EXPECT_EQ(got.body.at("Target").at("Arn").as_string(), kMachine);
  EXPECT_EQ(Send("POST", "/v1/triggers/on-order", Trigger()).status, 409);

  Answer updated = Send("PUT", "/v1/triggers/on-order",
                        Trigger(R"(, "Operations": ["insert", "update"], "State": "DISABLED",)"
                                R"( "Match": {"fullDocument.total": {"$gt": 100}})"));
  ASSERT_EQ(updated.status, 200) << updated.text;
  EXPECT_EQ(updated.body.at("TriggerArn").as_string(),
            "arn:tactus:triggers:us-east-1:123456789012:trigger/on-order");
  got = Send("GET", "/v1/triggers/on-order");
  EXPECT_EQ(common::SerializeJson(got.body.at("Operations")), R"(["insert","update"])");
  EXPECT_EQ(got.body.at("State").as_string(), "DISABLED");
  EXPECT_EQ(got.body.at("Match").at("fullDocument.total").at("$gt").as_int64(), 100);

  Answer bad_op = Send("POST", "/v1/triggers/t2", Trigger(R"(, "Operations": ["drop"])"));
  EXPECT_EQ(bad_op.status, 400);
  EXPECT_NE(bad_op.Message().find("Operations"), std::string::npos) << bad_op.text;
  Answer no_db =
      Send("POST", "/v1/triggers/t2",
           R"({"Collection": "c", "Target": {"Arn": ")" + std::string(kMachine) + "\"}}");
  EXPECT_EQ(no_db.status, 400);
  EXPECT_NE(no_db.Message().find("Database"), std::string::npos) << no_db.text;

  for (int i = 0; i < 4; ++i) {
    ASSERT_EQ(Send("POST", "/v1/triggers/t" + std::to_string(i), Trigger()).status, 200);
  }
  EXPECT_EQ(AllNames("/v1/triggers", "Triggers", 2),
            (std::vector<std::string>{"on-order", "t0", "t1", "t2", "t3"}));
  EXPECT_EQ(AllNames("/v1/triggers", "Triggers", 10, "&State=DISABLED"),
            (std::vector<std::string>{"on-order"}));
  EXPECT_EQ(Send("DELETE", "/v1/triggers/on-order").status, 200);
  EXPECT_EQ(Send("GET", "/v1/triggers/on-order").status, 404);
  EXPECT_EQ(Send("DELETE", "/v1/triggers/on-order").status, 404);
  EXPECT_EQ(Send("PUT", "/v1/triggers/on-order", Trigger()).status, 404);
}

TEST_F(ControlApiTest, ConnectionsNeverShowTheirPassword) {
  Answer created = Send("POST", "/v1/connections/warehouse",
                        R"({"Uri": "mongodb://u:secret@h/", "Description": "the warehouse"})");
  ASSERT_EQ(created.status, 200) << created.text;
  EXPECT_EQ(created.body.at("ConnectionArn").as_string(),
            "arn:tactus:connections:us-east-1:123456789012:connection/warehouse");
  Answer got = Send("GET", "/v1/connections/warehouse");
  ASSERT_EQ(got.status, 200) << got.text;
  EXPECT_EQ(got.body.at("Uri").as_string(), "mongodb://u:****@h/");
  EXPECT_EQ(got.body.at("Description").as_string(), "the warehouse");
  Answer listed = Send("GET", "/v1/connections");
  ASSERT_EQ(listed.status, 200);
  ASSERT_EQ(listed.body.at("Connections").as_array().size(), 1u);
  EXPECT_EQ(listed.body.at("Connections").as_array()[0].at("Uri").as_string(),
            "mongodb://u:****@h/");
  EXPECT_EQ(Send("POST", "/v1/connections/warehouse", R"({"Uri": "mongodb://u:secret@h/"})").status,
            409);

  // Sent back as GET showed it, the masked URI keeps the stored password.
  json::object edited = got.body;
  edited["Description"] = "renamed";
  Answer kept = Send("PUT", "/v1/connections/warehouse", common::SerializeJson(edited));
  ASSERT_EQ(kept.status, 200) << kept.text;
  auto uri = registry_->ConnectionUri("warehouse");
  ASSERT_TRUE(uri.ok() && *uri);
  EXPECT_EQ(**uri, "mongodb://u:secret@h/");
  EXPECT_EQ(Send("GET", "/v1/connections/warehouse").body.at("Description").as_string(), "renamed");

  Answer changed = Send("PUT", "/v1/connections/warehouse",
                        R"({"Uri": "mongodb+srv://other:secret2@cluster.example.com/db"})");
  ASSERT_EQ(changed.status, 200) << changed.text;
  EXPECT_EQ(Send("GET", "/v1/connections/warehouse").body.at("Uri").as_string(),
            "mongodb+srv://other:****@cluster.example.com/db");

  for (const char* body : {R"({"Uri": "postgres://u:secret@h/"})", R"({})",
                           R"({"Uri": "mongodb://u:secret@"})", R"({"Uri": 7})"}) {
    Answer bad = Send("POST", "/v1/connections/bad", body);
    EXPECT_EQ(bad.status, 400) << body;
    EXPECT_NE(bad.Message().find("Uri"), std::string::npos) << body << ": " << bad.text;
  }
  EXPECT_EQ(Send("DELETE", "/v1/connections/warehouse").status, 200);
  EXPECT_EQ(Send("GET", "/v1/connections/warehouse").status, 404);
}

TEST_F(ControlApiTest, PasswordsWithDelimitersAreRedactedOrRefused) {
  // Whatever libmongoc accepts must come back without the password.
  int n = 0;
  for (std::string password : {"pw@rd", "pw/rd", "pw?rd", "pw%2Frd", "pw:rd", "pw%40rd"}) {
    std::string name = "c" + std::to_string(n++);
    std::string uri = "mongodb://user:" + password + "@h1:27017,h2/db?replicaSet=rs";
    Answer created =
        Send("POST", "/v1/connections/" + name, common::SerializeJson(json::object{{"Uri", uri}}));
    EXPECT_EQ(created.text.find(password), std::string::npos) << created.text;
    if (created.status != 200) continue;
    Answer got = Send("GET", "/v1/connections/" + name);
    EXPECT_EQ(got.text.find(password), std::string::npos) << password << ": " << got.text;
    EXPECT_NE(got.text.find("user:****@"), std::string::npos) << got.text;
  }
}

TEST_F(ControlApiTest, Functions) {
  Answer created = Send("POST", "/v1/functions/resize",
                        R"({"Url": "https://fn.example.com/resize", "Headers": {"X-Key": "k"}})");
  ASSERT_EQ(created.status, 200) << created.text;
  EXPECT_EQ(created.body.at("FunctionArn").as_string(),
            "arn:aws:lambda:us-east-1:123456789012:function:resize");
  Answer got = Send("GET", "/v1/functions/resize");
  ASSERT_EQ(got.status, 200) << got.text;
  EXPECT_EQ(got.body.at("Url").as_string(), "https://fn.example.com/resize");
  // Header values are credentials as often as not: masked, and a masked value sent back keeps
  // the stored one.
  EXPECT_EQ(got.body.at("Headers").at("X-Key").as_string(), "****");
  EXPECT_EQ(got.text.find("\"k\""), std::string::npos) << got.text;
  ASSERT_EQ(Send("PUT", "/v1/functions/resize",
                 R"({"Url": "https://fn.example.com/resize", "Headers": {"X-Key": "****"}})")
                .status,
            200);
  auto kept = registry_->Get(triggers::Kind::kFunction, "resize");
  ASSERT_TRUE(kept.ok() && *kept);
  EXPECT_EQ((*kept)->spec.at("Headers").at("X-Key").as_string(), "k");
  EXPECT_EQ(Send("POST", "/v1/functions/resize", R"({"Url": "http://x/"})").status, 409);
  ASSERT_EQ(Send("PUT", "/v1/functions/resize", R"({"Url": "http://fn.internal:8080/r"})").status,
            200);
  got = Send("GET", "/v1/functions/resize");
  EXPECT_EQ(got.body.at("Url").as_string(), "http://fn.internal:8080/r");
  EXPECT_FALSE(got.body.contains("Headers"));

  Answer bad_url = Send("POST", "/v1/functions/f2", R"({"Url": "ftp://x/"})");
  EXPECT_EQ(bad_url.status, 400);
  EXPECT_NE(bad_url.Message().find("Url"), std::string::npos) << bad_url.text;
  Answer bad_header =
      Send("POST", "/v1/functions/f2", R"({"Url": "http://x/", "Headers": {"A": 1}})");
  EXPECT_EQ(bad_header.status, 400);
  EXPECT_NE(bad_header.Message().find("Headers.A"), std::string::npos) << bad_header.text;

  for (std::string name : {"f1", "f2", "f3"}) {
    ASSERT_EQ(Send("POST", "/v1/functions/" + name, R"({"Url": "http://x/"})").status, 200);
  }
  EXPECT_EQ(AllNames("/v1/functions", "Functions", 1, "&NamePrefix=f"),
            (std::vector<std::string>{"f1", "f2", "f3"}));
  EXPECT_EQ(Send("DELETE", "/v1/functions/resize").status, 200);
  EXPECT_EQ(Send("GET", "/v1/functions/resize").status, 404);
  EXPECT_EQ(AllNames("/v1/functions", "Functions", 2),
            (std::vector<std::string>{"f1", "f2", "f3"}));
}

}  // namespace
}  // namespace tactus::api
