-- sysbench 1.0.20 script: the same per-row insert innobench's insert-features scenario does, so
-- the two clients can be compared on one server (bench/vs-sysbench.ts runs both).
--
--   sysbench bench/sysbench/insert_features.lua --mysql-host=127.0.0.1 --mysql-user=root \
--     --mysql-db=innobench --db-ps-mode=auto --threads=100 --time=15 [--flag=bench] run
--
-- Pass --mysql-db: sysbench's own default database (sbtest) is not where innobench keeps its
-- tables, and a script cannot change a driver option's default.
--
-- The tables are innobench's (`innobench prepare insert-features --flag <flag>`); this script never
-- creates, empties or drops anything:
--   group_<flag>(id, ...), member_<flag>(id, group_id, ...),
--   image_<flag>(id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY, member_id, file_id, description, ...)
--   feature_<flag>_1(image_id INT UNSIGNED NOT NULL PRIMARY KEY, feature BLOB NOT NULL)
--
-- Work is split between threads exactly as innobench splits it between workers (assignGroups in
-- src/engine/partition.ts), so both clients insert at the same places in the feature table's
-- primary key: with at least as many groups as threads, thread t takes the groups whose position
-- is t modulo the thread count; with fewer, the threads on one group split its images by id
-- modulo their number. Each thread inserts the images of its share that have no feature yet, in
-- innobench's order (group, member, image). One autocommit INSERT per row, through a server-side
-- prepared statement. A thread that has used up its images stops cleanly (its event function
-- returns true, which ends that thread's loop without counting an event); the run ends when the
-- time is up or every thread has stopped.

sysbench.cmdline.options = {
   flag = {"Suffix of innobench's tables (image_<flag>, feature_<flag>_1)", "bench"},
}

local FEATURE_BYTES = 2000
-- Large enough that consecutive features rarely overlap much, small enough to build quickly
-- in each of 100 threads.
local RANDOM_BUFFER_BYTES = 256 * 1024

local con, insert_stmt, image_id_param, feature_param
local image_ids, next_image_index
local random_bytes

local function table_name(prefix)
   return prefix .. "_" .. sysbench.opt.flag
end

local function query_column(sql)
   local values = {}
   local rs = con:query(sql)
   local row = rs:fetch_row()
   while row ~= nil do
      values[#values + 1] = tonumber(row[1])
      row = rs:fetch_row()
   end
   rs:free()
   return values
end

-- The groups this thread works on, and the id modulo rule within them: innobench's assignGroups.
local function share_of_groups(group_ids)
   local threads, tid, groups = sysbench.opt.threads, sysbench.tid, #group_ids
   if groups >= threads then
      local mine = {}
      for position = tid, groups - 1, threads do
         mine[#mine + 1] = group_ids[position + 1]
      end
      return mine, 1, 0
   end
   local position = tid % groups
   local threads_on_group = math.floor((threads - 1 - position) / groups) + 1
   return {group_ids[position + 1]}, threads_on_group, math.floor(tid / groups)
end

-- This thread's image ids that still lack a feature, in the order innobench inserts them.
local function load_image_ids()
   local group_ids = query_column(
      string.format("SELECT id FROM %s ORDER BY id", table_name("group")))
   if #group_ids == 0 then
      error(string.format("%s is empty: run `innobench prepare insert-features --flag %s` first",
                          table_name("group"), sysbench.opt.flag))
   end
   local my_groups, id_modulus, id_remainder = share_of_groups(group_ids)
   return query_column(string.format(
      "SELECT i.id FROM %s i JOIN %s m ON m.id = i.member_id " ..
         "LEFT JOIN %s_1 f ON f.image_id = i.id " ..
         "WHERE m.group_id IN (%s) AND f.image_id IS NULL AND i.id %% %d = %d " ..
         "ORDER BY m.group_id, m.id, i.id",
      table_name("image"), table_name("member"), table_name("feature"),
      table.concat(my_groups, ","), id_modulus, id_remainder))
end

-- One random binary string per thread; features are 2000-byte slices of it. Filled 8 bytes at a
-- time from sysbench's per-thread generator, which is seeded differently in each thread.
local function build_random_bytes()
   local words = RANDOM_BUFFER_BYTES / 8
   local buffer = ffi.new("uint64_t[?]", words)
   for i = 0, words - 1 do
      buffer[i] = sysbench.rand.uniform_uint64()
   end
   return ffi.string(buffer, RANDOM_BUFFER_BYTES)
end

local function next_feature()
   local offset = sysbench.rand.uniform(0, RANDOM_BUFFER_BYTES - FEATURE_BYTES)
   return string.sub(random_bytes, offset + 1, offset + FEATURE_BYTES)
end

local function prepare_insert()
   insert_stmt = con:prepare(string.format(
      "INSERT INTO %s_1(image_id, feature) VALUES (?, ?)", table_name("feature")))
   image_id_param = insert_stmt:bind_create(sysbench.sql.type.INT)
   -- VARCHAR is the only string bind type sysbench has; it copies the bytes as they are, NULs
   -- included, and the BLOB column stores them unconverted.
   feature_param = insert_stmt:bind_create(sysbench.sql.type.VARCHAR, FEATURE_BYTES)
   insert_stmt:bind_param(image_id_param, feature_param)
end

function thread_init()
   con = sysbench.sql.driver():connect()
   image_ids = load_image_ids()
   next_image_index = 1
   random_bytes = build_random_bytes()
   prepare_insert()
end

function event()
   local image_id = image_ids[next_image_index]
   if image_id == nil then
      return true
   end
   next_image_index = next_image_index + 1
   image_id_param:set(image_id)
   feature_param:set(next_feature())
   insert_stmt:execute()
end

function thread_done()
   insert_stmt:close()
   con:disconnect()
end
