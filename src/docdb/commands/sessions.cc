#include "docdb/commands/sessions.h"

#include "docdb/commands/command.h"

namespace tactus::docdb::commands {

std::string SessionKey(const bson_t* command) {
  bson_t lsid;
  if (!GetDocument(command, "lsid", &lsid)) return "";
  bson_iter_t it;
  if (!FindField(&lsid, "id", &it)) return "";
  const bson_value_t* v = bson_iter_value(&it);
  if (v->value_type == BSON_TYPE_BINARY) {
    return std::string(reinterpret_cast<const char*>(v->value.v_binary.data),
                       v->value.v_binary.data_len);
  }
  return ToJson(&lsid);
}

std::shared_ptr<SessionState> SessionManager::Get(const std::string& lsid, std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  auto& s = sessions_[lsid];
  if (!s) s = std::make_shared<SessionState>();
  s->last_used_ms = now_ms;
  return s;
}

void SessionManager::End(const std::string& lsid) {
  std::shared_ptr<SessionState> s;
  {
    std::lock_guard lock(mu_);
    auto it = sessions_.find(lsid);
    if (it == sessions_.end()) return;
    s = std::move(it->second);
    sessions_.erase(it);
  }
  std::lock_guard session_lock(s->mu);
  s->txn.reset();  // rolls back
  s->txn_state = SessionState::Txn::kAborted;
}

void SessionManager::ExpireIdle(std::int64_t now_ms) {
  std::vector<std::shared_ptr<SessionState>> idle;
  {
    std::lock_guard lock(mu_);
    if (now_ms - last_sweep_ms_ < kSweepIntervalMs) return;
    last_sweep_ms_ = now_ms;
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      std::int64_t idle_ms = now_ms - it->second->last_used_ms;
      if (idle_ms > kTransactionLifetimeMs) idle.push_back(it->second);
      if (idle_ms > kSessionTimeoutMs) {
        it = sessions_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& s : idle) {
    std::unique_lock session_lock(s->mu, std::try_to_lock);
    if (!session_lock.owns_lock()) continue;  // in use right now
    if (s->txn_state == SessionState::Txn::kActive) {
      s->txn.reset();
      s->txn_state = SessionState::Txn::kAborted;
    }
  }
}

void SessionManager::AbortTransactionsOf(std::int64_t connection_id) {
  std::vector<std::shared_ptr<SessionState>> all;
  {
    std::lock_guard lock(mu_);
    for (auto& [key, s] : sessions_) all.push_back(s);
  }
  for (auto& s : all) {
    std::lock_guard session_lock(s->mu);
    if (s->txn_state == SessionState::Txn::kActive && s->connection_id == connection_id) {
      s->txn.reset();  // rolls back
      s->txn_state = SessionState::Txn::kAborted;
    }
  }
}

}  // namespace tactus::docdb::commands
