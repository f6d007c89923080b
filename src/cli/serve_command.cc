// `tactus serve`: the AWS Step Functions API over durable executions (docs/serve.md,
// docs/api.md), on the embedded store or any MongoDB.
#include <csignal>
#include <filesystem>
#include <future>
#include <iostream>
#include <map>
#include <mutex>

#include "api/authorize.h"
#include "api/aws_json.h"
#include "api/call_audit.h"
#include "api/control_api.h"
#include "api/http_server.h"
#include "api/iam_api.h"
#include "api/sfn_api.h"
#include "api/sts_api.h"
#include "audit/audit.h"
#include "auth/execution_roles.h"
#include "cli/commands.h"
#include "cli/serve_auth.h"
#include "common/log.h"
#include "docdb/embedded_server.h"
#include "mongo/mongo.h"
#include "runtime/durable_runner.h"
#include "tasks/http_task.h"
#include "tasks/mock.h"
#include "tasks/mongodb_connections.h"
#include "tasks/mongodb_task.h"
#include "tasks/unconfigured.h"
#include "triggers/registry.h"
#include "triggers/scheduler.h"
#include "triggers/trigger_watcher.h"

namespace tactus::cli {
namespace {

namespace json = boost::json;

// Connections to MongoDB, and the embedded store's workers (more than the connections).
constexpr int kPoolSize = 48;
constexpr int kStoreWorkers = 64;

struct ServeArgs {
  std::string data = "./tactus-data";
  std::string mongo_uri;
  std::string listen = "127.0.0.1:8083";
  std::string database = "tactus";
  std::string mock_config;
  std::string region = "us-east-1", account = "123456789012";
  double lease_seconds = 30;
  int shards = 4;
  int poll_ms = 200;
  std::string log_level = "info";
  bool no_audit = false;
  bool insecure_no_auth = false;
  // Named connections' secrets (docs/auth.md, "Secrets").
  double secret_grace_seconds = 3600;
  double secret_max_age_days = 90;
  bool refuse_stale_secrets = false;
  std::string oidc_config;
  std::string audit_database = audit::kDefaultDatabase;
};

// The real integrations by resource: HTTP and Lambda tasks, MongoDB tasks that do not run in
// the runner's transaction (named connections, express executions); anything else (activities
// and nested executions are the runner's own) is not configured.
class Integrations final : public tasks::TaskDispatcher {
 public:
  // `authorizer` (null: unchecked) decides each task before it is performed.
  Integrations(mongo::Pool& pool, triggers::Registry& registry, tasks::TaskAuthorizer* authorizer,
               tasks::SecretUse secret_use)
      : authorizer_(authorizer),
        http_([&registry](const std::string& name) -> std::optional<tasks::FunctionEndpoint> {
          auto spec = registry.FunctionSpec(name);
          if (!spec.ok()) {
            common::Log(common::LogLevel::kError, "secrets", "cannot read a function",
                        {{"function", name}, {"error", spec.status().message()}});
            return std::nullopt;
          }
          if (!*spec) return std::nullopt;
          tasks::FunctionEndpoint endpoint;
          if (auto* url = (*spec)->if_contains("Url"); url && url->is_string()) {
            endpoint.url = std::string(url->as_string());
          }
          if (auto* headers = (*spec)->if_contains("Headers"); headers && headers->is_object()) {
            for (const auto& h : headers->as_object()) {
              if (h.value().is_string()) {
                endpoint.headers.emplace_back(std::string(h.key()),
                                              std::string(h.value().as_string()));
              }
            }
          }
          return endpoint;
        }),
        mongodb_(
            pool,
            [&registry](const std::string& name)
                -> common::Result<std::optional<std::vector<tasks::ConnectionUriVersion>>> {
              auto versions = registry.ConnectionVersions(name);
              if (!versions.ok()) return versions.status();
              if (!*versions) return std::optional<std::vector<tasks::ConnectionUriVersion>>();
              std::vector<tasks::ConnectionUriVersion> out;
              for (auto& v : **versions) out.push_back({v.version, v.created, std::move(v.uri)});
              return std::optional<std::vector<tasks::ConnectionUriVersion>>(std::move(out));
            },
            secret_use) {}

  tasks::TaskOutcome Invoke(const tasks::TaskRequest& request) override {
    if (authorizer_) {
      if (auto denied = authorizer_->Authorize(request)) return std::move(*denied);
    }
    if (tasks::IsHttpResource(request.resource)) return http_.Invoke(request);
    if (tasks::IsMongoDbResource(request.resource)) return mongodb_.Invoke(request);
    return unconfigured_.Invoke(request);
  }
  bool Blocking(std::string_view resource) const override {
    return http_.Blocking(resource) || mongodb_.Blocking(resource);
  }

 private:
  tasks::TaskAuthorizer* authorizer_;
  tasks::HttpTaskDispatcher http_;
  tasks::ConnectionTaskDispatcher mongodb_;
  tasks::UnconfiguredDispatcher unconfigured_;
};

// Connection secrets sealed under the master key (AES-256-GCM; docs/auth.md, "Secrets").
class MasterKeySealer final : public triggers::SecretSealer {
 public:
  explicit MasterKeySealer(auth::MasterKey key) : key_(std::move(key)) {}
  json::object Seal(std::string_view plaintext, std::string_view aad) const override {
    auth::SealedSecret sealed = key_.Seal(plaintext, aad);
    return json::object{
        {"alg", "AES-256-GCM"}, {"kid", sealed.kid}, {"iv", sealed.iv}, {"ct", sealed.ct}};
  }
  common::Result<std::string> Open(const json::object& sealed,
                                   std::string_view aad) const override {
    auto member = [&](const char* name) {
      const json::value* v = sealed.if_contains(name);
      return v && v->is_string() ? std::string(v->as_string()) : std::string();
    };
    return key_.Open({member("kid"), member("iv"), member("ct")}, aad);
  }

 private:
  auth::MasterKey key_;
};

// Mocks by test case (Step Functions Local's mock file); otherwise the real integrations.
class Dispatchers {
 public:
  Dispatchers(std::optional<tasks::MockConfig> config, tasks::TaskDispatcher& real)
      : config_(std::move(config)), real_(real) {}

  tasks::TaskDispatcher& For(const std::string& machine, const std::string& test_case) {
    if (!config_ || test_case.empty()) return real_;
    std::lock_guard lock(mu_);
    auto key = machine + "#" + test_case;
    auto it = mocks_.find(key);
    if (it != mocks_.end()) return *it->second;
    auto responses = config_->TestCase(machine, test_case);
    if (!responses.ok()) return unconfigured_;
    auto mock = std::make_unique<tasks::MockDispatcher>(machine, test_case, std::move(*responses),
                                                        unconfigured_);
    return *mocks_.emplace(key, std::move(mock)).first->second;
  }

 private:
  std::optional<tasks::MockConfig> config_;
  tasks::TaskDispatcher& real_;
  tasks::UnconfiguredDispatcher unconfigured_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<tasks::MockDispatcher>> mocks_;
};

std::string WithDirectConnection(std::string uri) {
  return uri + (uri.find('?') == std::string::npos ? "/?" : "&") +
         "directConnection=true&serverSelectionTimeoutMS=10000";
}

int RunServe(const ServeArgs& args) {
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  common::LogLevel level;
  if (!common::ParseLogLevel(args.log_level, &level)) {
    std::cerr << "tactus serve: --log-level must be debug, info, warning or error\n";
    return 2;
  }
  common::SetLogLevel(level);
  auto colon = args.listen.rfind(':');
  if (colon == std::string::npos) {
    std::cerr << "tactus serve: --listen must be HOST:PORT, got '" << args.listen << "'\n";
    return 2;
  }
  api::HttpServerOptions http;
  http.address = args.listen.substr(0, colon);
  try {
    http.port = std::stoi(args.listen.substr(colon + 1));
  } catch (const std::exception&) {
    std::cerr << "tactus serve: --listen port is not a number: '" << args.listen << "'\n";
    return 2;
  }

  std::optional<tasks::MockConfig> mocks;
  if (!args.mock_config.empty()) {
    auto loaded = tasks::MockConfig::Load(args.mock_config);
    if (!loaded.ok()) {
      std::cerr << "tactus serve: --mock-config: " << loaded.status().message() << "\n";
      return 2;
    }
    mocks = std::move(*loaded);
  }

  std::unique_ptr<docdb::EmbeddedServer> store;
  std::string uri = args.mongo_uri;
  if (uri.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(args.data, ec);
    std::string dir = std::filesystem::absolute(args.data).lexically_normal().string();
    docdb::EmbeddedServer::Options options;
    options.dbpath = dir + "/store";
    options.port = -1;
    options.unix_path = dir + "/store.sock";
    // Writers waiting for the store's write lock each hold a store worker; more workers than
    // pooled connections (kPoolSize) means a waiting writer never starves the lock's holder.
    options.worker_threads = kStoreWorkers;
    auto started = docdb::EmbeddedServer::Start(options);
    if (!started.ok()) {
      std::cerr << "tactus serve: cannot start the embedded store: " << started.status().message()
                << "\n";
      return 1;
    }
    store = std::move(*started);
    uri = WithDirectConnection(store->uri());
  }
  common::SystemClock clock;
  auto pool = mongo::Pool::Open(uri, kPoolSize);
  if (!pool.ok()) {
    std::cerr << "tactus serve: " << pool.status().message() << "\n";
    return 2;
  }
  if (auto st = (*pool)->WaitReady(15000); !st.ok()) {
    std::cerr << "tactus serve: " << st.message() << "\n";
    return 1;
  }

  // Identities: the IAM store (secrets sealed under the master key in the data directory) and the
  // admin's credentials on the first start; nothing with --insecure-no-auth.
  std::unique_ptr<auth::IamStore> iam;
  std::unique_ptr<auth::SessionStore> sessions;
  std::vector<std::string> auth_notes;
  if (!args.insecure_no_auth) {
    auto opened = OpenIdentities(**pool, args.data, args.database, args.region, args.account, clock,
                                 &auth_notes);
    if (!opened.ok()) {
      std::cerr << "tactus serve: " << opened.status().message() << "\n";
      return 1;
    }
    iam = std::move(opened->iam);
    sessions = std::move(opened->sessions);
  } else {
    std::cerr << "tactus serve: WARNING: --insecure-no-auth: every API call is accepted without "
                 "authentication or authorization, as principal \"anonymous\", and tasks run "
                 "without checking their execution roles. Use it only for local experiments.\n";
    common::Log(common::LogLevel::kWarning, "serve",
                "authentication disabled (--insecure-no-auth)");
  }
  // Execution roles: every task is checked against its execution's role (docs/auth.md,
  // "Execution roles"); off, like all authorization, with --insecure-no-auth.
  std::unique_ptr<auth::ExecutionRoles> execution_roles;
  if (iam) {
    auth::ExecutionRolesOptions roles_options;
    roles_options.protected_databases = {args.database, args.audit_database};
    roles_options.arns.region = args.region;
    roles_options.arns.account = args.account;
    execution_roles = std::make_unique<auth::ExecutionRoles>(*iam, clock, roles_options);
  }
  triggers::Registry registry(**pool, args.database);
  // Named connections' URIs are sealed under the master key (also with --insecure-no-auth).
  std::optional<MasterKeySealer> sealer;
  {
    std::error_code ec;
    std::filesystem::create_directories(args.data, ec);
    std::string key_path = (std::filesystem::path(args.data) / kMasterKeyFile).string();
    auto key = auth::MasterKey::Load(key_path, std::getenv(auth::kMasterKeyEnv));
    if (!key.ok()) {
      std::cerr << "tactus serve: master key: " << key.status().message() << "\n";
      return 1;
    }
    sealer.emplace(std::move(*key));
    registry.SetSealer(&*sealer);
    auto sealed = registry.SealClearSecrets(clock.Now());
    if (!sealed.ok()) {
      std::cerr << "tactus serve: sealing secrets: " << sealed.status().message() << "\n";
      return 1;
    }
    if (*sealed > 0) {
      common::Log(common::LogLevel::kInfo, "secrets",
                  "sealed connection URIs and function headers stored in clear",
                  {{"definitions", *sealed}});
    }
  }
  tasks::SecretUse secret_use;
  secret_use.grace_ms = static_cast<common::TimeMs>(args.secret_grace_seconds * 1000);
  secret_use.max_age_ms = static_cast<common::TimeMs>(args.secret_max_age_days * 86400000.0);
  secret_use.refuse_stale = args.refuse_stale_secrets;
  Integrations integrations(**pool, registry, execution_roles.get(), secret_use);
  Dispatchers dispatchers(std::move(mocks), integrations);
  auto dispatcher_for = [&dispatchers](const std::string& m, const std::string& t) -> auto& {
    return dispatchers.For(m, t);
  };
  runtime::DurableOptions options;
  options.authorizer = execution_roles.get();
  options.database = args.database;
  options.shards = args.shards;
  options.lease_ms = static_cast<common::TimeMs>(args.lease_seconds * 1000);
  options.poll_ms = args.poll_ms;
  if (!args.no_audit) options.audit_database = args.audit_database;
  runtime::DurableRunner runner(**pool, dispatcher_for, clock, options);
  if (auto st = runner.Open(); !st.ok()) {
    std::cerr << "tactus serve: " << st.message() << "\n";
    return 1;
  }
  api::SfnOptions sfn;
  sfn.arns.region = args.region;
  sfn.arns.account = args.account;
  sfn.database = args.database;
  api::StepFunctionsApi sfn_api(**pool, runner, dispatcher_for, clock, sfn);
  api::ControlApi control_api(registry, clock, sfn.arns);

  // OIDC issuers (--oidc-config): bearer tokens on the API and AssumeRoleWithWebIdentity.
  std::unique_ptr<auth::OidcVerifier> oidc;
  if (!args.oidc_config.empty()) {
    auto config = LoadOidcConfig(args.oidc_config);
    if (!config.ok()) {
      std::cerr << "tactus serve: --oidc-config: " << config.status().message() << "\n";
      return 2;
    }
    auth_notes.push_back("OIDC issuers from " + args.oidc_config + ": " +
                         std::to_string(config->issuers.size()));
    oidc = std::make_unique<auth::OidcVerifier>(std::move(*config), HttpJwksFetcher(), clock);
  }
  api::ApiAuthorizer authorizer(iam.get(), clock, sfn.arns, sessions.get(), oidc.get());
  std::optional<api::IamApi> iam_api;
  if (iam) iam_api.emplace(*iam, args.account);
  std::optional<api::StsApi> sts_api;
  if (iam) sts_api.emplace(*iam, *sessions, oidc.get(), clock, args.account);

  // The audit trail: its signing key in the data directory, one chainer per deployment.
  std::optional<audit::AuditKey> audit_key;
  std::unique_ptr<audit::Chainer> chainer;
  std::optional<api::CallAuditor> call_auditor;
  if (!args.no_audit) {
    std::error_code ec;
    std::filesystem::create_directories(args.data, ec);
    std::string key_path = (std::filesystem::path(args.data) / "audit-signing.key").string();
    auto key = audit::AuditKey::LoadOrCreate(key_path);
    if (!key.ok()) {
      std::cerr << "tactus serve: audit key " << key_path << ": " << key.status().message() << "\n";
      return 1;
    }
    audit_key.emplace(std::move(*key));
    audit::ChainerOptions chain;
    chain.database = args.audit_database;
    chain.owner = runner.options().owner;
    chain.key = &*audit_key;
    chainer = std::make_unique<audit::Chainer>(pool->get(), chain);
    chainer->Start();
    call_auditor.emplace(**pool, args.audit_database, clock, runner.options().owner);
  }
  auto audited = [&](const api::HttpRequest& request, api::AuthOutcome auth,
                     api::Responder respond) -> api::Responder {
    if (!call_auditor) return respond;
    return call_auditor->Wrap(request, std::move(auth), std::move(respond));
  };
  auto server = api::HttpServer::Start(http, [&sfn_api, &control_api, &audited, &authorizer,
                                              &iam_api,
                                              &sts_api](api::HttpRequest r, api::Responder w) {
    bool health = r.method == "GET" && (r.target == "/healthz" || r.target == "/readyz");
    api::AuthOutcome caller;
    if (!health) {
      api::AuthOutcome auth = authorizer.Check(r);
      std::optional<api::HttpResponse> refusal = std::move(auth.refusal);
      caller = auth;
      w = audited(r, std::move(auth), std::move(w));
      if (refusal) return w(std::move(*refusal));
    }
    if (api::StsApi::Owns(r)) {
      if (sts_api) return sts_api->Handle(r, caller, w);
      return w(api::StsError(400, "InvalidAction",
                             "STS is off: tactus serve runs with --insecure-no-auth"));
    }
    if (api::IamApi::Owns(r)) {
      if (iam_api) return iam_api->Handle(r, w);
      api::HttpResponse none;
      none.status = 404;
      none.headers.emplace_back(std::string(api::kErrorTypeHeader), "UnknownOperationException");
      none.body = R"({"__type":"UnknownOperationException","Message":"IAM is off: )"
                  R"(tactus serve runs with --insecure-no-auth"})";
      return w(std::move(none));
    }
    if (api::ControlApi::Owns(r)) {
      control_api.Handle(r, w);
    } else {
      sfn_api.Handle(std::move(r), std::move(w));
    }
  });
  if (!server.ok()) {
    std::cerr << "tactus serve: " << server.status().message() << "\n";
    return 1;
  }
  // Schedules and triggers start executions through StartExecution, as an API caller would.
  triggers::Starter starter = [&sfn_api](const std::string& machine, const std::string& name,
                                         const std::string& input) {
    std::promise<api::ApiResult<json::object>> answer;
    auto future = answer.get_future();
    sfn_api.Call("StartExecution",
                 json::object{{"stateMachineArn", machine}, {"name", name}, {"input", input}},
                 [&answer](api::ApiResult<json::object> r) { answer.set_value(std::move(r)); });
    api::ApiResult<json::object> r = future.get();
    triggers::StartResult result;
    if (r.ok()) {
      if (auto* arn = r.value().if_contains("executionArn"); arn && arn->is_string()) {
        result.execution_arn = std::string(arn->as_string());
      }
      return result;
    }
    result.message = r.error().code + ": " + r.error().message;
    result.code = r.error().http_status >= 500 ? triggers::StartResult::Code::kUnavailable
                                               : triggers::StartResult::Code::kRejected;
    return result;
  };
  triggers::SchedulerOptions scheduler_options;
  scheduler_options.region = args.region;
  scheduler_options.account = args.account;
  triggers::Scheduler scheduler(registry, clock, starter, scheduler_options);
  triggers::TriggerOptions trigger_options;
  trigger_options.owner = runner.options().owner;
  trigger_options.lease_ms = options.lease_ms;
  triggers::TriggerWatchers trigger_watchers(registry, clock, starter, trigger_options);
  scheduler.Start();
  trigger_watchers.Start();

  std::cout << "tactus serve: listening on http://" << http.address << ":" << (*server)->port()
            << " (store: " << (store ? args.data : "MongoDB") << ", owner "
            << runner.options().owner << ")" << std::endl;
  common::Log(common::LogLevel::kInfo, "serve", "listening",
              {{"address", http.address},
               {"port", (*server)->port()},
               {"store", store ? args.data : std::string("mongodb")},
               {"database", args.database},
               {"owner", runner.options().owner}});
  for (const std::string& note : auth_notes) std::cout << "tactus serve: " << note << std::endl;

  int signal = 0;
  sigwait(&stop_signals, &signal);
  std::cout << "tactus serve: stopping" << std::endl;
  common::Log(common::LogLevel::kInfo, "serve", "stopping", {{"signal", signal}});
  scheduler.Stop();
  trigger_watchers.Stop();
  sfn_api.SetDraining();
  (*server)->Stop(std::chrono::milliseconds(5000));
  runner.Shutdown();
  if (chainer) {
    (void)chainer->Drain();  // chain what this process wrote before it stops
    chainer->Stop();
  }
  // The API, the runner, the pool and then the store are destroyed in that order (the reverse
  // of their construction), so the pool's connections end their sessions before the store
  // closes.
  std::cout << "tactus serve: stopped" << std::endl;
  common::Log(common::LogLevel::kInfo, "serve", "stopped");
  return 0;
}

}  // namespace

void RegisterServe(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand(
      "serve", "Run the AWS Step Functions API with durable executions on MongoDB");
  static ServeArgs args;
  cmd->add_option("--data", args.data,
                  "Data directory: the embedded store, master.key, admin-credentials, the audit "
                  "key")
      ->capture_default_str();
  cmd->add_option("--mongo-uri", args.mongo_uri,
                  "Use this MongoDB (replica set) instead of the embedded store");
  cmd->add_option("--listen", args.listen, "HOST:PORT of the HTTP API (port 0: any)")
      ->capture_default_str();
  cmd->add_option("--database", args.database, "Database holding Tactus's state")
      ->capture_default_str();
  cmd->add_option("--mock-config", args.mock_config,
                  "Step Functions Local mock file; start executions of ARN#TestCase to use it");
  cmd->add_option("--lease-seconds", args.lease_seconds,
                  "How long a claim on work lasts if its process dies")
      ->capture_default_str();
  cmd->add_option("--shards", args.shards, "Runner threads")->capture_default_str();
  cmd->add_option("--poll-ms", args.poll_ms, "How often unclaimed due work is looked for")
      ->capture_default_str();
  cmd->add_option("--log-level", args.log_level,
                  "debug, info, warning or error (JSON lines on "
                  "stderr)")
      ->capture_default_str();
  cmd->add_option("--region", args.region, "Region in ARNs")->capture_default_str();
  cmd->add_flag("--no-audit", args.no_audit,
                "Do not write the audit trail (API calls, transitions, data touched)");
  cmd->add_option("--audit-database", args.audit_database, "Database of the audit trail")
      ->capture_default_str();
  cmd->add_option("--account", args.account, "Account id in ARNs")->capture_default_str();
  cmd->add_option("--oidc-config", args.oidc_config,
                  "JSON file of trusted OIDC issuers and their role mappings (bearer tokens, "
                  "AssumeRoleWithWebIdentity; docs/auth.md)");
  cmd->add_option("--secret-grace-seconds", args.secret_grace_seconds,
                  "After `tactus connections rotate`, how long the previous URI stays usable "
                  "(when the newest fails to authenticate)")
      ->capture_default_str();
  cmd->add_option("--secret-max-age-days", args.secret_max_age_days,
                  "A connection secret older than this is logged as a warning (0: no limit)")
      ->capture_default_str();
  cmd->add_flag("--refuse-stale-secrets", args.refuse_stale_secrets,
                "Fail tasks (MongoDB.StaleSecret) whose connection secret is past "
                "--secret-max-age-days instead of only warning");
  cmd->add_flag("--insecure-no-auth", args.insecure_no_auth,
                "Accept every API call without SigV4 authentication or authorization (local "
                "experiments only)");
  cmd->callback([exit_code]() { *exit_code = RunServe(args); });
}

}  // namespace tactus::cli
