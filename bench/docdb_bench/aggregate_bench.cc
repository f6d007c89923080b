// $group and $lookup through libmongoc against the embedded store, beside the same queries in
// SQL on plain SQLite tables holding the same values:
//   items     {_id: i, g: i % 1000, v: i % 97, s: "..."}      items(id, g, v, s)
//   group     [{$group: {_id: "$g", total: {$sum: "$v"}, n: {$sum: 1}}}]
//             SELECT g, SUM(v), COUNT(*) FROM items GROUP BY g
//   orders    {_id: i, cust: i % 1000} (docs / 10 of them), customers {_id: c, name} (1000)
//   lookup    [{$lookup: {from: customers, localField: cust, foreignField: _id, as: c}},
//              {$unwind: "$c"}, {$group: {_id: "$c.name", n: {$sum: 1}}}]
//             SELECT c.name, COUNT(*) FROM orders o JOIN customers c ON o.cust = c.id
//             GROUP BY c.name
// Results are compared between the sides (group count and sums), so both do the same work.
#include "aggregate_bench.h"

#include <mongoc/mongoc.h>
#include <sqlite3.h>

#include <algorithm>
#include <vector>

namespace docdb_bench {
namespace {

constexpr int kGroups = 1000;
constexpr int kLoadBatch = 10000;

void Exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string message = err ? err : "?";
    sqlite3_free(err);
    Die(std::string("sqlite: ") + sql + ": " + message);
  }
}

void Load(mongoc_collection_t* coll, int n, const std::function<void(bson_t*, int)>& build) {
  for (int start = 0; start < n; start += kLoadBatch) {
    std::vector<bson_t*> docs;
    for (int i = start; i < std::min(n, start + kLoadBatch); ++i) {
      bson_t* d = bson_new();
      build(d, i);
      docs.push_back(d);
    }
    bson_error_t error;
    bool ok = mongoc_collection_insert_many(coll, const_cast<const bson_t**>(docs.data()),
                                            docs.size(), nullptr, nullptr, &error);
    for (bson_t* d : docs) bson_destroy(d);
    if (!ok) Die(std::string("insert_many: ") + error.message);
  }
}

// Runs the pipeline and returns (documents, sum of the int field `sum_field`).
std::pair<std::int64_t, std::int64_t> Aggregate(mongoc_collection_t* coll, const char* pipeline,
                                                const char* sum_field) {
  bson_error_t error;
  bson_t* p = bson_new_from_json(reinterpret_cast<const std::uint8_t*>(pipeline), -1, &error);
  if (!p) Die(std::string("bad pipeline: ") + error.message);
  bson_t* opts = BCON_NEW("allowDiskUse", BCON_BOOL(true));
  mongoc_cursor_t* cursor = mongoc_collection_aggregate(coll, MONGOC_QUERY_NONE, p, opts, nullptr);
  const bson_t* doc;
  std::int64_t n = 0, sum = 0;
  while (mongoc_cursor_next(cursor, &doc)) {
    ++n;
    bson_iter_t it;
    if (bson_iter_init_find(&it, doc, sum_field)) sum += bson_iter_as_int64(&it);
  }
  if (mongoc_cursor_error(cursor, &error)) Die(std::string("aggregate: ") + error.message);
  mongoc_cursor_destroy(cursor);
  bson_destroy(opts);
  bson_destroy(p);
  return {n, sum};
}

std::pair<std::int64_t, std::int64_t> Query(sqlite3* db, const char* sql, int sum_column) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) != SQLITE_OK) {
    Die(std::string("sqlite prepare: ") + sqlite3_errmsg(db));
  }
  std::int64_t n = 0, sum = 0;
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    ++n;
    sum += sqlite3_column_int64(stmt, sum_column);
  }
  sqlite3_finalize(stmt);
  return {n, sum};
}

double MedianMs(int repetitions, const std::function<void()>& run) {
  std::vector<double> ms;
  for (int r = 0; r < repetitions; ++r) {
    auto t0 = Clock::now();
    run();
    ms.push_back(Millis(Clock::now() - t0));
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

}  // namespace

void AggregateBench(const std::string& uri, const std::string& dir, int docs, int repetitions) {
  const int orders = std::max(1, docs / 10);
  std::printf("\naggregation: %d items, %d orders, %d customers; median of %d runs\n", docs, orders,
              kGroups, repetitions);
  bson_error_t error;
  mongoc_uri_t* u = mongoc_uri_new_with_error(uri.c_str(), &error);
  if (!u) Die(error.message);
  mongoc_client_t* client = mongoc_client_new_from_uri(u);
  mongoc_collection_t* items = mongoc_client_get_collection(client, "aggbench", "items");
  mongoc_collection_t* order_coll = mongoc_client_get_collection(client, "aggbench", "orders");
  mongoc_collection_t* customers = mongoc_client_get_collection(client, "aggbench", "customers");
  const std::string pad(40, 's');
  auto t0 = Clock::now();
  Load(items, docs, [&](bson_t* d, int i) {
    BSON_APPEND_INT64(d, "_id", i);
    BSON_APPEND_INT32(d, "g", i % kGroups);
    BSON_APPEND_INT32(d, "v", i % 97);
    BSON_APPEND_UTF8(d, "s", pad.c_str());
  });
  Load(order_coll, orders, [&](bson_t* d, int i) {
    BSON_APPEND_INT64(d, "_id", i);
    BSON_APPEND_INT32(d, "cust", i % kGroups);
  });
  Load(customers, kGroups, [&](bson_t* d, int i) {
    BSON_APPEND_INT32(d, "_id", i);
    BSON_APPEND_UTF8(d, "name", ("customer-" + std::to_string(i)).c_str());
  });
  double load_docdb = Seconds(Clock::now() - t0);

  sqlite3* db = nullptr;
  if (sqlite3_open((dir + "/aggbench.sqlite").c_str(), &db) != SQLITE_OK) Die("sqlite open");
  Exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
  Exec(db,
       "CREATE TABLE items(id INTEGER PRIMARY KEY, g INTEGER, v INTEGER, s TEXT);"
       "CREATE TABLE orders(id INTEGER PRIMARY KEY, cust INTEGER);"
       "CREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT);");
  t0 = Clock::now();
  Exec(db, "BEGIN");
  sqlite3_stmt* ins = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO items VALUES (?, ?, ?, ?)", -1, &ins, nullptr);
  for (int i = 0; i < docs; ++i) {
    sqlite3_bind_int64(ins, 1, i);
    sqlite3_bind_int(ins, 2, i % kGroups);
    sqlite3_bind_int(ins, 3, i % 97);
    sqlite3_bind_text(ins, 4, pad.c_str(), -1, SQLITE_STATIC);
    sqlite3_step(ins);
    sqlite3_reset(ins);
  }
  sqlite3_finalize(ins);
  sqlite3_prepare_v2(db, "INSERT INTO orders VALUES (?, ?)", -1, &ins, nullptr);
  for (int i = 0; i < orders; ++i) {
    sqlite3_bind_int64(ins, 1, i);
    sqlite3_bind_int(ins, 2, i % kGroups);
    sqlite3_step(ins);
    sqlite3_reset(ins);
  }
  sqlite3_finalize(ins);
  sqlite3_prepare_v2(db, "INSERT INTO customers VALUES (?, ?)", -1, &ins, nullptr);
  for (int i = 0; i < kGroups; ++i) {
    std::string name = "customer-" + std::to_string(i);
    sqlite3_bind_int64(ins, 1, i);
    sqlite3_bind_text(ins, 2, name.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_step(ins);
    sqlite3_reset(ins);
  }
  sqlite3_finalize(ins);
  Exec(db, "COMMIT");
  double load_sqlite = Seconds(Clock::now() - t0);
  std::printf("load: docdb %.1f s (insert_many of %d), sqlite %.1f s (one transaction)\n\n",
              load_docdb, kLoadBatch, load_sqlite);

  const char* group = R"([{"$group": {"_id": "$g", "total": {"$sum": "$v"}, "n": {"$sum": 1}}}])";
  const char* group_sql = "SELECT g, SUM(v), COUNT(*) FROM items GROUP BY g";
  const char* lookup = R"([{"$lookup": {"from": "customers", "localField": "cust",
      "foreignField": "_id", "as": "c"}}, {"$unwind": "$c"},
      {"$group": {"_id": "$c.name", "n": {"$sum": 1}}}])";
  const char* lookup_sql =
      "SELECT c.name, COUNT(*) FROM orders o JOIN customers c ON o.cust = c.id GROUP BY c.name";

  std::printf("| %-34s | %12s | %12s | %8s |\n", "query", "docdb ms", "sqlite ms", "ratio");
  std::printf("|%s|%s|%s|%s|\n", std::string(36, '-').c_str(), std::string(14, '-').c_str(),
              std::string(14, '-').c_str(), std::string(10, '-').c_str());
  struct Case {
    const char* name;
    mongoc_collection_t* coll;
    const char* pipeline;
    const char* sum_field;
    const char* sql;
    int sum_column;
  } cases[] = {
      {"$group (sum, count) vs GROUP BY", items, group, "total", group_sql, 1},
      {"$lookup+$unwind+$group vs JOIN", order_coll, lookup, "n", lookup_sql, 1},
  };
  for (const Case& c : cases) {
    std::pair<std::int64_t, std::int64_t> a, b;
    double d = MedianMs(repetitions, [&] { a = Aggregate(c.coll, c.pipeline, c.sum_field); });
    double s = MedianMs(repetitions, [&] { b = Query(db, c.sql, c.sum_column); });
    if (a != b) {
      Die(std::string(c.name) + ": the sides disagree (" + std::to_string(a.first) + " rows, sum " +
          std::to_string(a.second) + " vs " + std::to_string(b.first) + ", " +
          std::to_string(b.second) + ")");
    }
    std::printf("| %-34s | %12.1f | %12.1f | %8.2f |\n", c.name, d, s, d / s);
    std::fflush(stdout);
  }
  sqlite3_close(db);
  mongoc_collection_destroy(items);
  mongoc_collection_destroy(order_coll);
  mongoc_collection_destroy(customers);
  mongoc_client_destroy(client);
  mongoc_uri_destroy(u);
}

}  // namespace docdb_bench
