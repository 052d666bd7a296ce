-- gentask.cli.sheet — the contact sheet: index.html in a batch's output directory, every task in
-- the prompts file's order with its image (or its error's kind and message), prompt, provider,
-- model, time and outcome. Everything that came from the prompts file or a provider is
-- HTML-escaped; image paths are relative, so the directory can be moved or served as it is. A
-- failure says whether it may have been paid; a download that failed gives the result's URL. It
-- holds every prompt and the signed URLs: it is written for the owner alone (gentask.cli.outdir).

local money = require "gentask.cli.money"
local outdir = require "gentask.cli.outdir"

local sheet = {}

local ESCAPES = { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;", ["'"] = "&#39;" }

function sheet.escape(value)
  return (tostring(value == nil and "" or value):gsub("[&<>\"']", ESCAPES))
end

-- A path relative to the directory, percent-encoded where a URL would misread it (spaces, #, ?).
local function href(path, dir)
  local prefix = dir:gsub("/+$", "") .. "/"
  if path:sub(1, #prefix) == prefix then path = path:sub(#prefix + 1) end
  return (path:gsub("[^%w%-_.~/]", function(c) return ("%%%02X"):format(c:byte()) end))
end

local STYLE = [[
body { font-family: sans-serif; margin: 1.5em; background: #fafafa; color: #222 }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(230px, 1fr)); gap: 1em }
figure { margin: 0; background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: .6em }
figure img { width: 100%; height: auto; display: block; background: #eee }
figure.failed { border-color: #c33; background: #fff4f4 }
.error { color: #a00; font-family: monospace; white-space: pre-wrap }
figcaption { font-size: .85em; margin-top: .4em; overflow-wrap: anywhere }
.meta { color: #666 }
.cost { color: #444 }
]]

-- What a card's line cost, where that is known: the amount and currency, and whether the price
-- table gave it (no answer of the provider's said it) or the provider never took the task.
local function cost_html(r)
  local cost = money.cost_of(r)
  if not cost then return "" end
  local note = ""
  if cost.source == "not sent" then note = " (not sent)"
  elseif cost.source == "price table" and cost.amount > 0 then note = " (estimated)"
  elseif r.state == "failed" and cost.amount == 0 then note = " (not charged)" end
  return ("<br>\n<span class=\"cost\" data-amount=\"%s\" data-currency=\"%s\" data-source=\"%s\">%s %s%s</span>")
    :format(sheet.escape(("%.17g"):format(cost.amount)), sheet.escape(cost.currency), sheet.escape(cost.source),
      sheet.escape(money.amount_text(cost.amount, cost.currency)), sheet.escape(cost.currency), note)
end

--- A batch's page (command: its record's command) in its output directory, titled after its prompts
-- file: what the batch and `fetch` write alike. Returns its path, or nil and why.
function sheet.write_batch(command, records)
  return sheet.write(command.out, records, ("gentask batch: %s"):format(command.prompts:match("[^/]*$")))
end

--- The page for records (a list of the batch's records, see gentask.cli.batch), written to
-- dir/index.html; returns its path, or nil and why.
function sheet.write(dir, records, title)
  local out = {
    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
    "<title>", sheet.escape(title), "</title>\n<style>", STYLE, "</style>\n</head>\n<body>\n",
  }
  local succeeded, failed = 0, 0
  for _, r in ipairs(records) do
    if r.state == "succeeded" then succeeded = succeeded + 1 elseif r.state == "failed" then failed = failed + 1 end
  end
  out[#out + 1] = ("<h1>%s</h1>\n<p class=\"summary\">%d tasks: %d succeeded, %d failed, %d not finished</p>\n")
    :format(sheet.escape(title), #records, succeeded, failed, #records - succeeded - failed)
  local spent_words = money.summary_text(money.total(records))
  if spent_words then out[#out + 1] = ("<p class=\"spent\">%s</p>\n"):format(sheet.escape(spent_words)) end
  out[#out + 1] = "<div class=\"grid\">\n"
  for _, r in ipairs(records) do
    out[#out + 1] = ("<figure class=\"task %s\" data-line=\"%s\" data-state=\"%s\">\n"):format(
      sheet.escape(r.state), sheet.escape(r.line), sheet.escape(r.state))
    for _, path in ipairs(r.files or {}) do
      out[#out + 1] = ("<a href=\"%s\"><img src=\"%s\" alt=\"%s\"></a>\n"):format(
        href(path, dir), href(path, dir), sheet.escape(r.prompt))
    end
    if r.error then
      out[#out + 1] = ("<p class=\"error\"><span class=\"kind\">%s</span>: <span class=\"message\">%s</span>"
        .. "<br><span class=\"submitted\" data-submitted=\"%s\">%s</span></p>\n"):format(sheet.escape(r.error.kind),
        sheet.escape(r.error.message), sheet.escape(r.error.submitted), sheet.escape(r.error.submitted_words))
    end
    for _, problem in ipairs(r.download_errors or {}) do
      out[#out + 1] = ("<p class=\"error download\">download: %s</p>\n"):format(sheet.escape(problem.text))
    end
    if r.missing and not r.download_errors then
      out[#out + 1] = ("<p class=\"error missing\">%s: %s</p>\n"):format(sheet.escape(r.missing.path),
        sheet.escape(r.missing.why))
    end
    out[#out + 1] = ("<figcaption><span class=\"prompt\">%s</span><br>\n<span class=\"meta\">%s · %s · %s"
      .. " · %s%s</span>%s</figcaption>\n</figure>\n"):format(
      sheet.escape(r.prompt), sheet.escape(r.provider), sheet.escape(r.model), sheet.escape(r.state),
      sheet.escape(r.ended_at or ""), r.seconds and (" · %.1f s"):format(r.seconds) or "", cost_html(r))
  end
  out[#out + 1] = "</div>\n</body>\n</html>\n"
  local path = dir:gsub("/+$", "") .. "/index.html"
  local ok, why = outdir.write(path, table.concat(out), 384)
  if not ok then return nil, why end
  return path
end

return sheet
