-- luacheck configuration (Debian's lua-check 1.1.0). `make lint-lua` runs, from the repository root,
--   luacheck lua spec examples bench tools
-- Paths below are relative to the root; a later files[] entry overrides an earlier one.

-- gentask runs on Lua 5.4, 5.1 and LuaJIT: "max" knows every global of all of them (unpack,
-- setfenv, table.unpack, jit …); code that needs a version's global checks for it at run time.
std = "max"
max_line_length = 120
exclude_files = { "build*/**", ".git/**" }

-- `not (x >= 0)` is how the code rejects NaN along with negatives: keep it, not `x < 0`.
ignore = { "581" }

-- OpenResty's ngx: read-only, except what a handler assigns (ngx.ctx, ngx.status, ngx.header[…]).
stds.ngx = {
  read_globals = {
    ngx = {
      other_fields = true,
      fields = {
        ctx = { read_only = false, other_fields = true },
        status = { read_only = false },
        header = { read_only = false, other_fields = true },
        var = { read_only = false, other_fields = true },
      },
    },
  },
}
-- Neovim's vim and LÖVE's love: plugin and game code sets fields on them (vim.g.x, love.update).
stds.nvim = { globals = { vim = { other_fields = true } } }
stds.love = { globals = { love = { other_fields = true } } }

-- The library notices the host it was loaded in (`require "gentask"` starts the right driver);
-- the host adapters use the host's global.
files["lua/gentask/init.lua"] = { read_globals = { "ngx", "vim" } }
files["lua/gentask/loop/ngx.lua"] = { std = "max+ngx" }
files["lua/gentask/loop/uv.lua"] = { read_globals = { "vim" } }
-- :checkhealth gentask runs in Neovim only
files["lua/gentask/health.lua"] = { read_globals = { "vim" } }

-- busted specs and what they share; tests read best with a little more room than the library
files["spec"] = { std = "max+busted", max_line_length = 130 }
-- response vectors are data, one row per documented response on one line; every vectors file
-- offers the same functions (http_body(status, code, message) …), not all of which read every argument
files["spec/vectors"] = { max_line_length = false, unused_args = false }
-- what runs inside a host, not under busted
files["spec/hosts/openresty"] = { std = "max+ngx" }
files["spec/hosts/nvim_check.lua"] = { std = "max+nvim" }
files["spec/hosts/nvim_example_check.lua"] = { std = "max+nvim" }
files["spec/hosts/nvim_health_check.lua"] = { std = "max+nvim" }
files["spec/hosts/love"] = { std = "max+love" }

-- the examples: a Neovim plugin and an OpenResty handler
files["examples/nvim"] = { std = "max+nvim" }
files["examples/openresty"] = { std = "max+ngx" }
