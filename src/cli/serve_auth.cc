#include "cli/serve_auth.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tasks/http_client.h"

namespace tactus::cli {

namespace {

common::Status WriteSecretFile(const std::string& path, const std::string& text) {
  // A file left by an earlier bootstrap (another database) holds a key that no longer exists.
  unlink(path.c_str());
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return common::Status::IoError("cannot create " + path + ": " + std::strerror(errno));
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t w = write(fd, text.data() + done, text.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) {
      common::Status s =
          common::Status::IoError("cannot write " + path + ": " + std::strerror(errno));
      close(fd);
      return s;
    }
    done += static_cast<std::size_t>(w);
  }
  int rc = fsync(fd);
  close(fd);
  if (rc != 0) return common::Status::IoError("cannot sync " + path + ": " + std::strerror(errno));
  return common::Status::Ok();
}

}  // namespace

std::string SharedCredentialsText(const auth::NewAccessKey& key, const std::string& region) {
  return "[default]\naws_access_key_id = " + key.id + "\naws_secret_access_key = " + key.secret +
         "\nregion = " + region + "\n";
}

common::Result<Identities> OpenIdentities(mongo::Pool& pool, const std::string& data,
                                          const std::string& database, const std::string& region,
                                          const std::string& account, const common::Clock& clock,
                                          std::vector<std::string>* notes) {
  std::error_code ec;
  std::filesystem::create_directories(data, ec);
  if (ec) return common::Status::IoError("cannot create " + data + ": " + ec.message());
  const std::string dir = std::filesystem::absolute(data).lexically_normal().string();
  const std::string key_path = dir + "/" + kMasterKeyFile;
  auto key = auth::MasterKey::Load(key_path, std::getenv(auth::kMasterKeyEnv));
  if (!key.ok())
    return common::Status(key.status().code(), "master key: " + key.status().message());
  auto sessions = std::make_unique<auth::SessionStore>(pool, database, account, *key, clock);
  if (auto st = sessions->EnsureSchema(); !st.ok()) return st;
  auto store = std::make_unique<auth::IamStore>(pool, database, account, std::move(*key), clock);
  if (auto st = store->EnsureSchema(); !st.ok()) return st;
  auto admin = store->BootstrapAdmin();
  if (!admin.ok()) {
    return common::Status(admin.status().code(),
                          "cannot create the admin user: " + admin.status().message());
  }
  const std::string credentials = dir + "/" + kAdminCredentialsFile;
  if (admin->has_value()) {
    if (auto st = WriteSecretFile(credentials, SharedCredentialsText(**admin, region)); !st.ok()) {
      return st;
    }
    notes->push_back("created user admin; its access key is in " + credentials +
                     " (AWS shared-credentials format, mode 0600)");
  } else if (std::filesystem::exists(credentials, ec)) {
    notes->push_back("admin credentials in " + credentials + " (AWS shared-credentials format)");
  } else {
    notes->push_back("the admin's credentials file " + credentials +
                     " is gone; make a new key with `tactus iam create-access-key admin` using "
                     "other credentials, or delete user admin (and its keys) from the " +
                     database + ".iam_users and iam_access_keys collections and restart");
  }
  return Identities{std::move(store), std::move(sessions)};
}

common::Result<auth::OidcConfig> LoadOidcConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return common::Status::IoError("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return auth::ParseOidcConfig(text.str());
}

auth::JwksFetcher HttpJwksFetcher() {
  auto client = std::make_shared<tasks::http_internal::Client>();
  return [client](const std::string& url) -> common::Result<std::string> {
    tasks::http_internal::Request request;
    request.method = "GET";
    request.url = url;
    request.headers.emplace_back("Accept", "application/json");
    request.timeout = std::chrono::seconds(10);
    request.connect_timeout = std::chrono::seconds(5);
    request.max_body_bytes = 256 * 1024;
    tasks::http_internal::Exchange exchange = client->Perform(request);
    if (exchange.failure != tasks::http_internal::Failure::kNone) {
      return common::Status::IoError("GET " + url + ": " + exchange.message);
    }
    if (exchange.response.status != 200) {
      return common::Status::IoError("GET " + url + ": HTTP " +
                                     std::to_string(exchange.response.status));
    }
    return std::move(exchange.response.body);
  };
}

}  // namespace tactus::cli
