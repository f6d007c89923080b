#include "triggers/trigger_watcher.h"

#include <chrono>
#include <set>

#include "common/digest.h"
#include "common/log.h"

namespace tactus::triggers {

using mongo::BsonPtr;

namespace {

// After a failed change stream, wait this long before opening it again.
constexpr common::TimeMs kReopenDelayMs = 1000;
// While the start of an execution is unavailable, try again this often.
constexpr common::TimeMs kStartRetryMs = 500;

std::optional<BsonPtr> ToBson(const json::value& v) {
  std::string text = common::SerializeJson(v);
  bson_error_t error{};
  bson_t* doc = bson_new_from_json(reinterpret_cast<const std::uint8_t*>(text.data()),
                                   static_cast<ssize_t>(text.size()), &error);
  if (!doc) return std::nullopt;
  return BsonPtr(doc);
}

}  // namespace

std::string TriggeredExecutionName(const std::string& trigger, const bson_t* resume_token) {
  const common::Sha256Digest digest = common::Sha256(std::string_view(
      reinterpret_cast<const char*>(bson_get_data(resume_token)), resume_token->len));
  return trigger + "-" + common::HexEncode(digest.data(), 8);
}

common::Result<BsonPtr> CurrentResumeToken(mongo::Client& client, const std::string& database,
                                           const std::string& collection) {
  BsonPtr pipeline(bson_new());
  BsonPtr opts(BCON_NEW("maxAwaitTimeMS", BCON_INT64(1)));
  mongoc_change_stream_t* stream =
      mongoc_collection_watch(client.Collection(database, collection), pipeline.get(), opts.get());
  const bson_t* event = nullptr;
  (void)mongoc_change_stream_next(stream, &event);
  bson_error_t error{};
  const bson_t* reply = nullptr;
  common::Result<BsonPtr> out = common::Status::IoError("the change stream gave no resume token");
  if (mongoc_change_stream_error_document(stream, &error, &reply)) {
    out = mongo::DbStatus::From(error, reply).ToStatus();
  } else if (event) {
    bson_iter_t it;
    const std::uint8_t* data = nullptr;
    std::uint32_t len = 0;
    if (bson_iter_init_find(&it, event, "_id") && BSON_ITER_HOLDS_DOCUMENT(&it)) {
      bson_iter_document(&it, &len, &data);
      out = BsonPtr(bson_new_from_data(data, len));
    }
  } else if (const bson_t* token = mongoc_change_stream_get_resume_token(stream)) {
    out = BsonPtr(bson_copy(token));
  }
  mongoc_change_stream_destroy(stream);
  return out;
}

struct TriggerWatchers::Watcher {
  std::string name;
  common::TimeMs updated = 0;
  std::atomic<bool> stop{false};
  std::atomic<bool> finished{false};
  std::mutex mu;
  std::condition_variable cv;
  std::thread thread;

  // Sleeps up to `ms`; false when stopped meanwhile.
  bool Pause(common::TimeMs ms) {
    std::unique_lock lock(mu);
    return !cv.wait_for(lock, std::chrono::milliseconds(ms), [&] { return stop.load(); });
  }
  void Halt() {
    {
      std::lock_guard lock(mu);
      stop = true;
    }
    cv.notify_all();
    if (thread.joinable()) thread.join();
  }
};

TriggerWatchers::TriggerWatchers(Registry& registry, const common::Clock& clock, Starter starter,
                                 TriggerOptions options)
    : registry_(registry),
      clock_(clock),
      starter_(std::move(starter)),
      options_(std::move(options)) {}

TriggerWatchers::~TriggerWatchers() { Stop(); }

void TriggerWatchers::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void TriggerWatchers::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stop_ && !thread_.joinable()) return;
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::map<std::string, std::unique_ptr<Watcher>> watchers;
  {
    std::lock_guard lock(mu_);
    watchers.swap(watchers_);
  }
  for (auto& [name, w] : watchers) w->Halt();
  if (watchers.empty()) return;
  mongo::Client client = registry_.pool().Acquire();
  BsonPtr filter(BCON_NEW("owner", BCON_UTF8(options_.owner.c_str())));
  BsonPtr update(BCON_NEW("$set", "{", "lease", BCON_DATE_TIME(0), "}"));
  (void)mongo::UpdateMany(client.Collection(registry_.database(), CollectionOf(Kind::kTrigger)),
                          filter.get(), update.get(), nullptr);
}

std::size_t TriggerWatchers::watching() const {
  std::lock_guard lock(mu_);
  return watchers_.size();
}

void TriggerWatchers::Loop() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    lock.unlock();
    Reconcile();
    lock.lock();
    cv_.wait_for(lock, std::chrono::milliseconds(options_.poll_ms), [&] { return stop_; });
  }
}

void TriggerWatchers::Reconcile() {
  common::TimeMs now = clock_.Now();
  struct Seen {
    std::string owner;
    common::TimeMs lease = 0, updated = 0;
    bool enabled = false;
  };
  std::map<std::string, Seen> seen;
  mongo::Client client = registry_.pool().Acquire();
  auto* coll = client.Collection(registry_.database(), CollectionOf(Kind::kTrigger));
  BsonPtr all(bson_new());
  mongo::DbStatus st = mongo::Find(coll, all.get(), nullptr, nullptr, [&](const bson_t* doc) {
    Seen s;
    s.owner = mongo::GetString(doc, "owner");
    s.lease = mongo::GetDateMs(doc, "lease");
    s.updated = mongo::GetDateMs(doc, "updated");
    auto spec = common::ParseJson(mongo::GetString(doc, "spec"));
    s.enabled = spec.ok() && spec->is_object() && SpecString(spec->as_object(), "State") == "ENABLED";
    seen.emplace(mongo::GetString(doc, "_id"), s);
    return true;
  });
  if (!st.ok()) {
    common::Log(common::LogLevel::kWarning, "triggers", "cannot read triggers",
                {{"error", st.message()}});
    return;
  }
  std::set<std::string> held;
  for (const auto& [name, s] : seen) {
    if (!s.enabled || (s.owner != options_.owner && s.lease > now)) continue;
    {
      std::lock_guard lock(mu_);
      if (!watchers_.count(name) && static_cast<int>(watchers_.size()) >= kMaxWatchedTriggers) {
        continue;
      }
    }
    // Claim (or renew): only if nobody changed the lease since it was read.
    BsonPtr filter(BCON_NEW("_id", BCON_UTF8(name.c_str()), "owner", BCON_UTF8(s.owner.c_str()),
                            "lease", BCON_DATE_TIME(s.lease)));
    BsonPtr update(BCON_NEW("$set", "{", "owner", BCON_UTF8(options_.owner.c_str()), "lease",
                            BCON_DATE_TIME(now + options_.lease_ms), "}"));
    std::int64_t matched = 0;
    if (mongo::UpdateOne(coll, filter.get(), update.get(), nullptr, &matched).ok() && matched) {
      held.insert(name);
    }
  }

  // Stop the watchers of triggers lost, disabled, deleted or changed; start the missing ones.
  std::vector<std::unique_ptr<Watcher>> retired;
  std::vector<std::pair<std::string, common::TimeMs>> to_start;
  {
    std::lock_guard lock(mu_);
    for (auto it = watchers_.begin(); it != watchers_.end();) {
      auto s = seen.find(it->first);
      bool keep = held.count(it->first) && s != seen.end() &&
                  s->second.updated == it->second->updated && !it->second->finished;
      if (keep) {
        ++it;
      } else {
        retired.push_back(std::move(it->second));
        it = watchers_.erase(it);
      }
    }
    for (const auto& name : held) {
      if (!watchers_.count(name) && !stop_) to_start.emplace_back(name, seen[name].updated);
    }
  }
  for (auto& w : retired) w->Halt();
  for (auto& [name, updated] : to_start) {
    auto w = std::make_unique<Watcher>();
    w->name = name;
    w->updated = updated;
    Watcher* raw = w.get();
    raw->thread = std::thread([this, raw] {
      Watch(*raw);
      raw->finished = true;
    });
    std::lock_guard lock(mu_);
    watchers_.emplace(name, std::move(w));
  }
}

void TriggerWatchers::Watch(Watcher& w) {
  mongo::Client client = registry_.pool().Acquire();
  auto* triggers = client.Collection(registry_.database(), CollectionOf(Kind::kTrigger));
  while (!w.stop) {
    // (Re)open the stream after the last recorded event.
    BsonPtr by_name(BCON_NEW("_id", BCON_UTF8(w.name.c_str())));
    auto doc = mongo::FindOne(triggers, by_name.get(), nullptr, nullptr);
    if (!doc.ok() || !doc->has_value()) {
      if (!w.Pause(kReopenDelayMs)) return;
      continue;
    }
    const bson_t* d = doc->value().get();
    if (mongo::GetString(d, "owner") != options_.owner) return;  // taken over
    auto spec_json = common::ParseJson(mongo::GetString(d, "spec"));
    if (!spec_json.ok() || !spec_json->is_object()) return;
    const json::object& spec = spec_json->as_object();
    std::string target;
    if (auto* t = spec.if_contains("Target"); t && t->is_object()) {
      target = SpecString(t->as_object(), "Arn");
    }
    json::array stages;
    json::array ops = spec.contains("Operations") && spec.at("Operations").is_array()
                          ? spec.at("Operations").as_array()
                          : json::array{"insert"};
    stages.push_back(json::object{{"$match", {{"operationType", {{"$in", ops}}}}}});
    if (auto* m = spec.if_contains("Match"); m && m->is_object() && !m->as_object().empty()) {
      stages.push_back(json::object{{"$match", *m}});
    }
    auto pipeline = ToBson(json::object{{"pipeline", stages}});
    if (!pipeline) return;
    BsonPtr opts(BCON_NEW("fullDocument", BCON_UTF8("updateLookup"), "maxAwaitTimeMS",
                          BCON_INT64(options_.await_ms)));
    bson_iter_t it;
    const std::uint8_t* data = nullptr;
    std::uint32_t len = 0;
    if (bson_iter_init_find(&it, d, "resumeToken") && BSON_ITER_HOLDS_DOCUMENT(&it)) {
      bson_iter_document(&it, &len, &data);
      bson_t token;
      if (bson_init_static(&token, data, len))
        BSON_APPEND_DOCUMENT(opts.get(), "startAfter", &token);
    }
    mongoc_change_stream_t* stream =
        mongoc_collection_watch(client.Collection(SpecString(spec, "Database"), SpecString(spec, "Collection")),
                                pipeline->get(), opts.get());
    const bson_t* event = nullptr;
    bool reopen = false;
    while (!w.stop && !reopen) {
      if (!mongoc_change_stream_next(stream, &event)) {
        bson_error_t error{};
        const bson_t* reply = nullptr;
        if (mongoc_change_stream_error_document(stream, &error, &reply)) {
          common::Log(common::LogLevel::kWarning, "triggers", "change stream failed; reopening",
                      {{"trigger", w.name}, {"error", error.message}});
          BsonPtr set(BCON_NEW("$set", "{", "lastError", BCON_UTF8(error.message), "}"));
          (void)mongo::UpdateOne(triggers, by_name.get(), set.get(), nullptr);
          reopen = true;
        }
        continue;
      }
      BsonPtr token;
      if (bson_iter_init_find(&it, event, "_id") && BSON_ITER_HOLDS_DOCUMENT(&it)) {
        bson_iter_document(&it, &len, &data);
        token = BsonPtr(bson_new_from_data(data, len));
      }
      if (!token) continue;
      std::string name = TriggeredExecutionName(w.name, token.get());
      char* text = bson_as_relaxed_extended_json(event, nullptr);
      std::string input = text ? text : "{}";
      bson_free(text);
      StartResult r;
      while (true) {
        r = starter_(target, name, input);
        if (r.code != StartResult::Code::kUnavailable) break;
        if (!w.Pause(kStartRetryMs)) {
          mongoc_change_stream_destroy(stream);
          return;  // stopping: the event is delivered again after the stored token
        }
      }
      std::string error;
      if (r.code == StartResult::Code::kRejected) {
        error = name + ": " + r.message;
        common::Log(common::LogLevel::kError, "triggers", "trigger target refused the start",
                    {{"trigger", w.name}, {"execution", name}, {"error", r.message}});
      }
      BsonPtr filter(
          BCON_NEW("_id", BCON_UTF8(w.name.c_str()), "owner", BCON_UTF8(options_.owner.c_str())));
      BsonPtr set(BCON_NEW("lastError", BCON_UTF8(error.c_str())));
      BSON_APPEND_DOCUMENT(set.get(), "resumeToken", token.get());
      if (error.empty()) BSON_APPEND_UTF8(set.get(), "lastExecution", r.execution_arn.c_str());
      BsonPtr update(bson_new());
      BSON_APPEND_DOCUMENT(update.get(), "$set", set.get());
      BsonPtr inc(BCON_NEW("fired", BCON_INT64(error.empty() ? 1 : 0)));
      BSON_APPEND_DOCUMENT(update.get(), "$inc", inc.get());
      std::int64_t matched = 0;
      mongo::DbStatus st =
          mongo::UpdateOne(triggers, filter.get(), update.get(), nullptr, &matched);
      if (st.ok() && matched == 0) {
        mongoc_change_stream_destroy(stream);
        return;  // another process owns the trigger now
      }
    }
    mongoc_change_stream_destroy(stream);
    if (reopen && !w.Pause(kReopenDelayMs)) return;
  }
}

}  // namespace tactus::triggers
