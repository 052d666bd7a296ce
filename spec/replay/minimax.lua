-- MiniMax's replayed V1 flow (replay/minimax.json): what its documentation says each ends as.
return {
  model = "MiniMax-Hailuo-2.3",
  success = {
    files = 1,
    -- the video's URL came from the result fetch (files/retrieve), not from the query
    check = function(result)
      assert(result.url:find "/files/%d+/output%.mp4$", result.url)
    end,
  },
  -- "Fail" with base_resp 1000 "unknown error" (errorcode table)
  failed = { kind = "server_error", code = "1000", message = "unknown error" },
  -- "Fail" with 1026 "input sensitive"
  moderated = { kind = "moderated", stage = "input", code = "1026" },
  -- V1 refuses under HTTP 200 (base_resp 1002): the whole flow is the refusal, the submit taken,
  -- two queries, files/retrieve and the download
  rate_limited = { status = 200, requests = 6 },
  -- 1004 under HTTP 200
  auth = { kind = "authentication", status = 200, code = "1004" },
  -- V1 documents no cancel; the download_url needs no key
  -- the submit's callback_url, unsigned: a delivery is news only (MiniMax's first {"challenge"}
  -- round trip is not replayed: the format cannot say it)
  webhook = { signed = false },
}
