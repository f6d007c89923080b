// `tactus audit ...`: an auditor's tool over the audit database (docs/auth.md, "Audit trail").
// It reads the store directly, not through `tactus serve`'s API: with --mongo-uri, or with
// --data DIR through the Unix socket of the embedded store a running `tactus serve --data DIR`
// listens on (DIR/store.sock). It never writes, and never prints the private key.
#include <cctype>
#include <filesystem>
#include <iostream>
#include <memory>
#include <vector>

#include "audit/audit.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "common/clock.h"
#include "common/json.h"
#include "mongo/mongo.h"

namespace tactus::cli {
namespace {

// The key file `tactus serve` signs checkpoints with (audit::AuditKey::LoadOrCreate).
constexpr const char* kKeyFile = "audit-signing.key";

struct Target {
  std::string mongo_uri;
  std::string data = "./tactus-data";
  std::string database = audit::kDefaultDatabase;
  CLI::Option* data_option = nullptr;
  // --data given explicitly (`tactus serve --mongo-uri` keeps its key in --data too).
  bool data_given() const { return data_option && data_option->count() > 0; }
};

void AddTargetOptions(CLI::App* cmd, Target* t) {
  cmd->add_option("--mongo-uri", t->mongo_uri, "MongoDB connection string of the deployment");
  t->data_option =
      cmd->add_option("--data", t->data,
                      "Data directory of a running `tactus serve --data DIR` (its embedded store's "
                      "socket DIR/store.sock), used when --mongo-uri is not given; verify "
                      "trusts its audit-signing.key")
          ->capture_default_str();
  cmd->add_option("--audit-database", t->database, "The audit database")->capture_default_str();
}

std::string DataDir(const Target& t) {
  return std::filesystem::absolute(t.data).lexically_normal().string();
}

// The embedded store's Unix-socket URI as `tactus serve` forms it (EmbeddedServer::uri and
// WithDirectConnection in serve_command.cc), with a short server selection: a reader waits for
// a store that is up, not for one that may start.
std::string SocketUri(const std::string& socket) {
  std::string escaped;
  for (char c : socket) {
    if (c == '/') {
      escaped += "%2F";
    } else {
      escaped += c;
    }
  }
  return "mongodb://" + escaped + "/?directConnection=true&serverSelectionTimeoutMS=3000";
}

// A pool on the target, answering pings; nullptr after printing why (and what to do).
std::unique_ptr<mongo::Pool> Connect(const Target& t) {
  std::string uri = t.mongo_uri;
  std::string socket;
  if (uri.empty()) {
    socket = DataDir(t) + "/store.sock";
    if (!std::filesystem::exists(socket)) {
      std::cerr << "tactus audit: no store is running for " << DataDir(t) << " (" << socket
                << " does not exist). Start `tactus serve --data " << t.data
                << "` (or `tactus store --dbpath " << t.data << "/store --port -1 --unix " << socket
                << "`), or pass --mongo-uri\n";
      return nullptr;
    }
    uri = SocketUri(socket);
  }
  auto pool = mongo::Pool::Open(uri, 2);
  if (!pool.ok()) {
    std::cerr << "tactus audit: " << pool.status().message() << "\n";
    return nullptr;
  }
  if (auto st = (*pool)->WaitReady(5000); !st.ok()) {
    if (!socket.empty()) {
      std::cerr << "tactus audit: no store answers on " << socket << " (is `tactus serve --data "
                << t.data << "` running?): " << st.message() << "\n";
    } else {
      std::cerr << "tactus audit: cannot reach " << t.mongo_uri << ": " << st.message() << "\n";
    }
    return nullptr;
  }
  return std::move(*pool);
}

// The signing key of a data directory, loaded without ever creating one.
common::Result<audit::AuditKey> DataKey(const std::string& dir) {
  std::string path = dir + "/" + kKeyFile;
  if (!std::filesystem::exists(path)) {
    return common::Status::NotFound(path + " does not exist (`tactus serve --data " + dir +
                                    "` creates it)");
  }
  return audit::AuditKey::LoadOrCreate(path);
}

bool IsHexKey(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// A --public-key value: 64 hex digits, or a file holding a PEM "PUBLIC KEY" block or the hex.
common::Result<std::string> PublicKeyHex(const std::string& value) {
  if (IsHexKey(value)) return value;
  std::string text;
  if (!ReadFile(value, &text)) {
    return common::Status::InvalidArgument("--public-key " + value +
                                           ": neither 64 hex digits nor a readable file");
  }
  if (text.find("-----BEGIN PUBLIC KEY-----") != std::string::npos) {
    return audit::PublicKeyHexFromPem(text);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  if (IsHexKey(text)) return text;
  return common::Status::InvalidArgument("--public-key " + value +
                                         ": the file holds neither a PEM PUBLIC KEY nor 64 hex "
                                         "digits");
}

// Extended JSON text as the relaxed form the audit trail stores ids in: 7, "abc",
// {"$oid": "..."}; {"$numberInt": "7"} becomes 7.
common::Result<json::value> RelaxedId(const std::string& text) {
  std::string wrapped = "{\"v\": " + text + "}";
  bson_error_t error{};
  mongo::BsonPtr doc(bson_new_from_json(reinterpret_cast<const std::uint8_t*>(wrapped.data()),
                                        static_cast<ssize_t>(wrapped.size()), &error));
  if (!doc) {
    return common::Status::InvalidArgument(
        "--id must be an _id as Extended JSON ('{\"$oid\": \"...\"}', 7, '\"abc\"'): " +
        std::string(error.message));
  }
  std::size_t len = 0;
  char* relaxed = bson_as_relaxed_extended_json(doc.get(), &len);
  auto parsed = common::ParseJson(std::string_view(relaxed ? relaxed : "", relaxed ? len : 0));
  bson_free(relaxed);
  if (!parsed.ok() || !parsed->is_object() || !parsed->as_object().contains("v")) {
    return common::Status::InvalidArgument("--id: not one Extended JSON value: " + text);
  }
  return parsed->as_object().at("v");
}

int RunVerify(const Target& t, const std::vector<std::string>& keys) {
  std::vector<std::string> trusted;
  for (const auto& k : keys) {
    auto hex = PublicKeyHex(k);
    if (!hex.ok()) {
      std::cerr << "tactus audit verify: " << hex.status().message() << "\n";
      return 2;
    }
    trusted.push_back(*hex);
  }
  if (trusted.empty() && (t.mongo_uri.empty() || t.data_given())) {
    auto key = DataKey(DataDir(t));
    if (!key.ok()) {
      std::cerr << "tactus audit verify: " << key.status().message()
                << "; pass the signer's public key with --public-key\n";
      return 2;
    }
    trusted.push_back(key->public_key_hex());
  }
  if (trusted.empty()) {
    std::cerr << "tactus audit verify: checkpoints are checked against trusted keys: pass the "
                 "signer's public key with --public-key FILE|HEX (`tactus audit public-key` on "
                 "the server prints it)\n";
    return 2;
  }
  auto pool = Connect(t);
  if (!pool) return 2;
  auto report = audit::Verify(*pool, t.database, trusted);
  if (!report.ok()) {
    std::cerr << "tactus audit verify: " << report.status().message() << "\n";
    return 2;
  }
  if (report->ok) {
    std::cout << "OK: " << report->records_checked << " records, " << report->checkpoints_checked
              << " checkpoints verified in " << t.database << "\n";
    if (report->unchained > 0) {
      std::cout << "note: " << report->unchained
                << " records behind the chain's cursor were never chained (their transaction "
                   "committed after the chainer's late window; docs/auth.md, \"Audit trail\")\n";
    }
    return 0;
  }
  std::cout << "FAILED at seq " << report->first_bad_seq << ": " << report->reason << "\n"
            << "(" << report->records_checked << " records and " << report->checkpoints_checked
            << " checkpoints checked before it)\n";
  return 1;
}

int RunLineage(const Target& t, const std::string& ns, const std::string& id_text,
               const std::string& format) {
  auto id = RelaxedId(id_text);
  if (!id.ok()) {
    std::cerr << "tactus audit lineage: " << id.status().message() << "\n";
    return 2;
  }
  auto pool = Connect(t);
  if (!pool) return 2;
  auto entries = audit::Lineage(*pool, t.database, ns, *id);
  if (!entries.ok()) {
    std::cerr << "tactus audit lineage: " << entries.status().message() << "\n";
    return 2;
  }
  if (format == "json") {
    json::array out;
    for (const auto& e : *entries) {
      out.push_back(json::object{{"seq", e.seq},
                                 {"time", common::FormatIso8601(e.time)},
                                 {"execution", e.execution},
                                 {"operation", e.operation}});
    }
    std::cout << common::SerializeJson(out) << "\n";
    return 0;
  }
  if (entries->empty()) {
    std::cout << "no audit records on " << ns << " list _id " << common::SerializeJson(*id) << "\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& e : *entries) {
    rows.push_back(
        {std::to_string(e.seq), common::FormatIso8601(e.time), e.operation, e.execution});
  }
  PrintTable(std::cout, {"SEQ", "TIME", "OPERATION", "EXECUTION"}, rows);
  return 0;
}

int RunExecutions(const Target& t, const std::string& ns, const std::string& since_text,
                  const std::string& format) {
  common::TimeMs since = 0;
  if (!since_text.empty()) {
    auto parsed = common::ParseIso8601(since_text);
    if (!parsed) {
      std::cerr << "tactus audit executions: --since must be an ISO-8601 time with an offset, "
                   "e.g. 2024-05-01T00:00:00Z\n";
      return 2;
    }
    since = *parsed;
  }
  auto pool = Connect(t);
  if (!pool) return 2;
  auto touches = audit::ExecutionsTouching(*pool, t.database, ns, since);
  if (!touches.ok()) {
    std::cerr << "tactus audit executions: " << touches.status().message() << "\n";
    return 2;
  }
  if (format == "json") {
    json::array out;
    for (const auto& e : *touches) {
      out.push_back(json::object{{"execution", e.execution},
                                 {"first", common::FormatIso8601(e.first)},
                                 {"last", common::FormatIso8601(e.last)},
                                 {"records", e.records}});
    }
    std::cout << common::SerializeJson(out) << "\n";
    return 0;
  }
  if (touches->empty()) {
    std::cout << "no executions touched " << ns << "\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& e : *touches) {
    rows.push_back({common::FormatIso8601(e.first), common::FormatIso8601(e.last),
                    std::to_string(e.records), e.execution});
  }
  PrintTable(std::cout, {"FIRST", "LAST", "RECORDS", "EXECUTION"}, rows);
  return 0;
}

int RunExport(const Target& t, std::int64_t from_seq) {
  auto pool = Connect(t);
  if (!pool) return 2;
  auto st = audit::Export(*pool, t.database, from_seq, [](std::string_view line) {
    std::cout << line << '\n';
    return static_cast<bool>(std::cout);
  });
  std::cout.flush();
  if (!st.ok()) {
    std::cerr << "tactus audit export: " << st.message() << "\n";
    return 2;
  }
  return std::cout ? 0 : 1;
}

int RunPublicKey(const Target& t) {
  auto key = DataKey(DataDir(t));
  if (!key.ok()) {
    std::cerr << "tactus audit public-key: " << key.status().message() << "\n";
    return 2;
  }
  std::cout << key->public_key_pem();
  return 0;
}

}  // namespace

void RegisterAudit(CLI::App& app, int* exit_code) {
  auto* audit_cmd = app.add_subcommand(
      "audit", "Read the audit trail: verify the chain, lineage of a document, export");
  audit_cmd->require_subcommand(1);

  static Target verify_target;
  static std::vector<std::string> keys;
  auto* verify = audit_cmd->add_subcommand(
      "verify", "Verify the hash chain and signed checkpoints; print OK or the first bad record");
  AddTargetOptions(verify, &verify_target);
  verify->add_option("--public-key", keys,
                     "A trusted public key: 64 hex digits, or a file with a PEM PUBLIC KEY "
                     "(repeatable; default with --data: the key of DIR/audit-signing.key)");
  verify->callback([exit_code]() { *exit_code = RunVerify(verify_target, keys); });

  static Target lineage_target;
  static std::string lineage_ns, id, lineage_format = "text";
  auto* lineage = audit_cmd->add_subcommand(
      "lineage", "The executions and operations that touched one document, in chain order");
  AddTargetOptions(lineage, &lineage_target);
  lineage->add_option("--namespace", lineage_ns, "The collection, as db.collection")->required();
  lineage
      ->add_option("--id", id,
                   "The document's _id as Extended JSON: '{\"$oid\": \"...\"}', 7, '\"abc\"'")
      ->required();
  lineage->add_option("--format", lineage_format, "Output format")
      ->check(CLI::IsMember({"text", "json"}));
  lineage->callback(
      [exit_code]() { *exit_code = RunLineage(lineage_target, lineage_ns, id, lineage_format); });

  static Target executions_target;
  static std::string touched, since, executions_format = "text";
  auto* executions = audit_cmd->add_subcommand(
      "executions", "The executions that touched a collection, with first and last time");
  AddTargetOptions(executions, &executions_target);
  executions->add_option("--touched", touched, "The collection, as db.collection")->required();
  executions->add_option("--since", since, "Only records at or after this ISO-8601 time");
  executions->add_option("--format", executions_format, "Output format")
      ->check(CLI::IsMember({"text", "json"}));
  executions->callback([exit_code]() {
    *exit_code = RunExecutions(executions_target, touched, since, executions_format);
  });

  static Target export_target;
  static std::int64_t from_seq = 1;
  static std::string export_format = "jsonl";
  auto* export_cmd = audit_cmd->add_subcommand(
      "export",
      "Stream the chained records to stdout, one JSON line each ({seq, prev, hash, "
      "canonical})");
  AddTargetOptions(export_cmd, &export_target);
  export_cmd->add_option("--from-seq", from_seq, "The first record")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  export_cmd->add_option("--format", export_format, "Output format")
      ->check(CLI::IsMember({"jsonl"}));
  export_cmd->callback([exit_code]() { *exit_code = RunExport(export_target, from_seq); });

  static Target key_target;
  auto* public_key = audit_cmd->add_subcommand(
      "public-key", "Print the PEM public key of DIR/audit-signing.key (for verifiers)");
  public_key->add_option("--data", key_target.data, "Data directory of `tactus serve`")
      ->capture_default_str();
  public_key->callback([exit_code]() { *exit_code = RunPublicKey(key_target); });
}

}  // namespace tactus::cli
