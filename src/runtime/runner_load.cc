// Rebuilding executions: state machine definitions by revision, journal replay, and the shard's
// cache of executions in memory.
#include "runtime/runner_internal.h"

namespace tactus::runtime {

using mongo::BsonPtr;

std::vector<engine::Action> Apply(Loaded& x, const JournalEvent& event, common::TimeMs now) {
  x.last_time = now;
  if (std::holds_alternative<StartEvent>(event)) return x.exec->Start(now);
  return x.exec->Handle(std::get<engine::Event>(event), now);
}

common::Result<std::shared_ptr<const asl::StateMachine>> DurableRunner::Impl::Machine(
    mongo::Client& client, const std::string& sm_arn, std::int64_t revision) {
  std::string key = SeqKey(sm_arn, revision);
  {
    std::lock_guard lock(machines_mu);
    auto it = machines.find(key);
    if (it != machines.end()) return it->second;
  }
  BsonPtr filter(BCON_NEW("_id", BCON_UTF8(key.c_str())));
  auto doc = mongo::FindOne(client.Collection(options.database, kRevisions), filter.get(),
                            nullptr, nullptr);
  if (!doc.ok()) return doc.status();
  if (!doc->has_value()) {
    return common::Status::NotFound("revision " + std::to_string(revision) + " of " + sm_arn +
                                    " is missing");
  }
  auto machine = asl::ParseStateMachine(mongo::GetString(doc->value().get(), "definition"));
  if (!machine.ok()) return machine.status();
  std::lock_guard lock(machines_mu);
  machines[key] = *machine;
  return *machine;
}

common::Result<std::optional<std::unique_ptr<Loaded>>> DurableRunner::Impl::Load(
    mongo::Client& client, const std::string& arn) {
  // One snapshot for the execution document and its journal, so they agree.
  auto session = client.StartSession();
  if (!session.ok()) return session.status();
  if (auto st = (*session)->Begin(); !st.ok()) return st.ToStatus();
  BsonPtr filter(BCON_NEW("_id", BCON_UTF8(arn.c_str())));
  auto found = mongo::FindOne(client.Collection(options.database, kExecutions), filter.get(),
                              nullptr, session->get());
  if (!found.ok()) return found.status();
  if (!found->has_value()) return std::optional<std::unique_ptr<Loaded>>();
  const bson_t* doc = found->value().get();

  auto x = std::make_unique<Loaded>();
  x->arn = arn;
  x->name = mongo::GetString(doc, "name");
  x->sm_arn = mongo::GetString(doc, "sm");
  x->sm_name = mongo::GetString(doc, "smName");
  x->test_case = mongo::GetString(doc, "testCase");
  x->input_text = mongo::GetString(doc, "input");
  x->revision = mongo::GetInt(doc, "revision");
  x->start_date = mongo::GetDateMs(doc, "startDate");
  std::int64_t v = mongo::GetInt(doc, "v");
  RandomKey key{};
  bson_iter_t it;
  if (bson_iter_init_find(&it, doc, "key") && BSON_ITER_HOLDS_BINARY(&it)) {
    const std::uint8_t* data = nullptr;
    std::uint32_t len = 0;
    bson_subtype_t subtype;
    bson_iter_binary(&it, &subtype, &len, &data);
    if (len == key.size()) std::copy(data, data + len, key.begin());
  }
  x->key = key;
  x->random = std::make_unique<KeyedRandom>(key);
  if (auto mocks = common::ParseJson(mongo::GetString(doc, "mocks", "{}"));
      mocks.ok() && mocks->is_object()) {
    for (const auto& [state, n] : mocks->as_object()) {
      std::int64_t count = 0;
      common::AsInt64(n, &count);
      x->mock_counts[std::string(state)] = count;
    }
  }
  bson_iter_t parent;
  if (bson_iter_init_find(&parent, doc, "parent") && BSON_ITER_HOLDS_DOCUMENT(&parent)) {
    const std::uint8_t* data = nullptr;
    std::uint32_t len = 0;
    bson_iter_document(&parent, &len, &data);
    bson_t p;
    if (bson_init_static(&p, data, len)) {
      x->parent = ParentLink{mongo::GetString(&p, "arn"), mongo::GetInt(&p, "task"),
                             mongo::GetString(&p, "mode")};
    }
  }

  auto machine = Machine(client, x->sm_arn, x->revision);
  if (!machine.ok()) return machine.status();
  x->machine = *machine;
  engine::ExecutionInfo info;
  info.execution_arn = arn;
  info.execution_name = x->name;
  info.state_machine_arn = x->sm_arn;
  info.state_machine_name = x->sm_name;
  info.role_arn = mongo::GetString(doc, "roleArn");
  x->role_arn = info.role_arn;
  info.start_time = x->start_date;
  auto input = common::ParseJson(x->input_text);
  info.input = input.ok() ? std::move(*input) : json::value(json::object());
  x->exec = std::make_unique<engine::Execution>(x->machine, std::move(info), *x->random,
                                                   kDurableOptions);

  // Replay: the events exist already, so none is recorded.
  x->exec->set_record_history(false);
  std::string lo = arn + "#", hi = arn + "$";
  BsonPtr range(BCON_NEW("_id", "{", "$gte", BCON_UTF8(lo.c_str()), "$lt", BCON_UTF8(hi.c_str()),
                         "}"));
  BsonPtr opts(BCON_NEW("sort", "{", "_id", BCON_INT32(1), "}"));
  common::Status replay_error;
  std::int64_t replayed = 0;
  const std::string first_key = SeqKey(arn, 0);
  mongo::DbStatus st = mongo::Find(
      client.Collection(options.database, kJournal), range.get(), opts.get(), session->get(),
      [&](const bson_t* entry) {
        if (replayed == 0 && mongo::GetString(entry, "_id") != first_key) {
          // Started by StartExecution, which writes no entry for the start (docs/serve.md):
          // the start happened at startDate.
          Apply(*x, StartEvent{}, x->start_date);
          ++replayed;
        }
        auto event = DecodeEvent(mongo::GetString(entry, "ev"));
        if (!event.ok()) {
          replay_error = event.status();
          return false;
        }
        Apply(*x, *event, mongo::GetDateMs(entry, "t"));
        ++replayed;
        return true;
      });
  (*session)->Commit().ok();
  if (!st.ok()) return st.ToStatus();
  if (!replay_error.ok()) return replay_error;
  if (replayed == 0 && v >= 1) {  // started, and nothing happened since
    Apply(*x, StartEvent{}, x->start_date);
    ++replayed;
  }
  if (replayed != v) {
    return common::Status::Internal("execution " + arn + " has " + std::to_string(replayed) +
                                    " journal entries but v=" + std::to_string(v));
  }
  x->exec->set_record_history(true);
  x->v = v;
  return std::optional<std::unique_ptr<Loaded>>(std::move(x));
}

Loaded* Shard::Cached(const std::string& arn) {
  auto it = cache.find(arn);
  if (it == cache.end()) return nullptr;
  lru.splice(lru.end(), lru, it->second.second);
  return it->second.first.get();
}

void Shard::Keep(std::unique_ptr<Loaded> x) {
  std::string arn = x->arn;
  Evict(arn);
  if (x->exec->status() != engine::ExecutionStatus::kRunning) return;
  lru.push_back(arn);
  cache.emplace(arn, std::make_pair(std::move(x), std::prev(lru.end())));
  while (cache.size() > runner.options.cache_per_shard) Evict(std::string(lru.front()));
}

void Shard::Evict(const std::string& arn) {
  auto it = cache.find(arn);
  if (it == cache.end()) return;
  lru.erase(it->second.second);
  cache.erase(it);
}

}  // namespace tactus::runtime
