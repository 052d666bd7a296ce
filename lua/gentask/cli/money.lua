-- gentask.cli.money — what a batch's lines cost, the one place it is added up and put in words:
-- the progress line, the summary, the JSON summary, `status` and the contact sheet all show what
-- these functions return, so the user reads one total everywhere. A line's cost is the library's
-- (result.cost / err.cost: { amount, currency, source }); "estimated" is the part the profile's
-- price table gave, where the provider reported nothing. A batch record is read back as data:
-- a cost that is not well-formed is no cost, never a number shown or added.

local money = {}

-- The library's sources (docs/providers.md, "Cost").
local SOURCES = { reported = true, ["price table"] = true, ["not sent"] = true }

-- Most decimals shown: a per-megapixel price gives fractions of a cent, and more is float noise.
local MAX_DECIMALS = 4

--- A cost ({ amount, currency, source }: the library's, or a record's read back), checked, as a
-- new plain table; nil when there is none or it is not well-formed.
function money.checked(cost)
  if type(cost) ~= "table" then return nil end
  local amount, currency, source = cost.amount, cost.currency, cost.source
  if type(amount) ~= "number" or amount ~= amount or amount < 0 or amount == math.huge then return nil end
  -- a profile's currency is letters (the core refuses anything else): a record saying otherwise
  -- was not written by the command, and its text never reaches a terminal or the sheet
  if type(currency) ~= "string" or not currency:match("^%a+$") or #currency > 16 then return nil end
  if not SOURCES[source] then return nil end
  return { amount = amount, currency = currency, source = source }
end

--- The cost of a line's record, checked (money.checked); nil when not known.
function money.cost_of(record)
  return type(record) == "table" and money.checked(record.cost) or nil
end

--- Whether an amount of this currency is money with cents: an ISO 4217 code (USD, EUR).
local function has_cents(currency)
  return currency:match("^%u%u%u$") ~= nil
end

--- amount as shown in currency: rounded to what it needs — cents for money ("3.20", "0.30", never
-- "0.30000000000004"), more decimals only where a price has them ("0.0629"), none for whole
-- credits ("12").
function money.amount_text(amount, currency)
  local text = ("%." .. MAX_DECIMALS .. "f"):format(amount):gsub("0+$", "")
  local whole, decimals = text:match("^(%-?%d+)%.(%d*)$")
  local least = has_cents(currency) and 2 or 0
  if #decimals < least then decimals = decimals .. ("0"):rep(least - #decimals) end
  if whole == "-0" then whole = "0" end
  return #decimals > 0 and (whole .. "." .. decimals) or whole
end

--- An empty total: per currency, in the order currencies first appear, what was spent and the
-- part of it estimated.
function money.new_total()
  return { currencies = {}, spent = {}, estimated = {} }
end

--- Adds a cost (money.cost_of's) to total; nil adds nothing.
function money.add(total, cost)
  if not cost then return total end
  local currency = cost.currency
  if not total.spent[currency] then
    total.currencies[#total.currencies + 1] = currency
    total.spent[currency], total.estimated[currency] = 0, 0
  end
  total.spent[currency] = total.spent[currency] + cost.amount
  if cost.source == "price table" then total.estimated[currency] = total.estimated[currency] + cost.amount end
  return total
end

--- The total of records (a batch's, in the prompts file's order).
function money.total(records)
  local total = money.new_total()
  for _, r in ipairs(records) do money.add(total, money.cost_of(r)) end
  return total
end

--- Whether any cost is known in total.
function money.known(total)
  return #total.currencies > 0
end

-- "0.32 USD + 12 credits" for the amounts of part (total.spent or total.estimated).
local function amounts_text(total, part, only_nonzero)
  local texts = {}
  for _, currency in ipairs(total.currencies) do
    if not only_nonzero or part[currency] > 0 then
      texts[#texts + 1] = money.amount_text(part[currency], currency) .. " " .. currency
    end
  end
  return table.concat(texts, " + ")
end

--- What was spent, "0.32 USD + 12 credits" (the progress line); nil when no cost is known.
function money.spent_text(total)
  if not money.known(total) then return nil end
  return amounts_text(total, total.spent)
end

--- The summary's words: "spent 3.20 USD, 0.40 of it estimated" (the currency said once where
-- there is one; "0.40 USD + 2 credits of it estimated" in a mixed batch), "spent 3.20 USD" when
-- nothing was estimated; nil when no cost is known.
function money.summary_text(total)
  local spent = money.spent_text(total)
  if not spent then return nil end
  local estimated_currencies = 0
  for _, currency in ipairs(total.currencies) do
    if total.estimated[currency] > 0 then estimated_currencies = estimated_currencies + 1 end
  end
  if estimated_currencies == 0 then return "spent " .. spent end
  local estimated
  if #total.currencies == 1 then
    local currency = total.currencies[1]
    estimated = money.amount_text(total.estimated[currency], currency)
  else
    estimated = amounts_text(total, total.estimated, true)
  end
  return ("spent %s, %s of it estimated"):format(spent, estimated)
end

--- The total for JSON: a list of { currency, spent, estimated }, in the currencies' order; nil
-- when no cost is known.
function money.json(total)
  if not money.known(total) then return nil end
  local list = {}
  for i, currency in ipairs(total.currencies) do
    list[i] = { currency = currency, spent = total.spent[currency], estimated = total.estimated[currency] }
  end
  return list
end

return money
