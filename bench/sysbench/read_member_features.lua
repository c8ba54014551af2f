-- sysbench 1.0.20 script: the read innobench's read-member-features scenario does (one member's
-- features by its key, surrogate design), so the two clients can be compared on one server
-- (bench/vs-sysbench.ts --mode read runs both, and a bare Node loop of each driver).
--
--   sysbench bench/sysbench/read_member_features.lua --mysql-host=127.0.0.1 --mysql-user=root \
--     --mysql-db=innobench --db-ps-mode=auto --threads=100 --time=15 [--flag=benchr] run
--
-- The tables are innobench's (`innobench prepare read-member-features --flag <flag>
-- --with-features`); this script only reads:
--   member_<flag>(id, group_id, ...), image_<flag>(id, member_id, ...),
--   feature_<flag>_1(image_id PRIMARY KEY, feature BLOB)
--
-- Each thread loads the member ids once over the text protocol (so the server's Com_stmt_execute
-- counts the measured reads only, as for innobench), prepares the SELECT once, and then each
-- event binds a member picked uniformly at random and executes it. sysbench stores the whole
-- result on the client (mysql_stmt_store_result): every feature's bytes cross the wire, as they
-- do for innobench.

sysbench.cmdline.options = {
   flag = {"Suffix of innobench's tables (member_<flag>, image_<flag>, feature_<flag>_1)", "benchr"},
}

local con, select_stmt, member_param
local member_ids

local function table_name(prefix)
   return prefix .. "_" .. sysbench.opt.flag
end

local function load_member_ids()
   local ids = {}
   local rs = con:query(string.format("SELECT id FROM %s", table_name("member")))
   local row = rs:fetch_row()
   while row ~= nil do
      ids[#ids + 1] = tonumber(row[1])
      row = rs:fetch_row()
   end
   rs:free()
   if #ids == 0 then
      error(string.format("%s is empty: run `innobench prepare read-member-features --flag %s --with-features` first",
                          table_name("member"), sysbench.opt.flag))
   end
   return ids
end

function thread_init()
   con = sysbench.sql.driver():connect()
   member_ids = load_member_ids()
   -- The statement innobench's surrogate design reads a member's features with.
   select_stmt = con:prepare(string.format(
      "SELECT f.feature FROM %s i JOIN %s_1 f ON f.image_id = i.id WHERE i.member_id = ?",
      table_name("image"), table_name("feature")))
   member_param = select_stmt:bind_create(sysbench.sql.type.INT)
   select_stmt:bind_param(member_param)
end

function event()
   member_param:set(member_ids[sysbench.rand.uniform(1, #member_ids)])
   select_stmt:execute()
end

function thread_done()
   select_stmt:close()
   con:disconnect()
end
