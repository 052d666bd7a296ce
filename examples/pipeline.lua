-- examples/pipeline.lua — a dozen generations at once on one thread, one of them refused.
--
-- Against the simulator (what `make demo` does) or a real FoxAPI account:
--   FOXAPI_API_KEY=sk-... FOXAPI_BASE_URL=https://api.foxapi.cc lua5.4 examples/pipeline.lua
local gentask = require "gentask"

local fox = gentask.client {
  provider = "foxapi",
  api_key = os.getenv "FOXAPI_API_KEY" or "sk-test-gentask",
  base_url = os.getenv "FOXAPI_BASE_URL",      -- nil: FoxAPI itself
  poll_interval = 0.25,
}

local prompts = {
  "a red fox in fresh snow, morning light",
  "a lighthouse in a storm, oil painting",
  "a bowl of ramen, overhead shot",
  "a cat astronaut floating past Saturn",
  "an alpine lake at dawn, mist on the water",
  "a steam locomotive crossing a viaduct",
  "a hummingbird at a red flower, macro",
  "a cozy library with a fireplace",
  "something the moderator refuses [fail=content_policy_violation]",   -- the deliberate failure
  "a neon street market in the rain",
  "a paper boat on a puddle",
  "a desert canyon under the milky way",
}

local started = os.time()
gentask.run(function()
  local tasks = {}
  for i, prompt in ipairs(prompts) do
    tasks[i] = fox:submit("flux-dev", { prompt = prompt, width = 1024, height = 768 })
    tasks[i]:on("done", function(result, err)
      if result then
        print(("#%-2d done    %s"):format(i, result.url))
      else
        print(("#%-2d failed  %s"):format(i, tostring(err)))
      end
    end)
  end
  print(("submitted %d generations; waiting for them together"):format(#tasks))

  local ok, failed = 0, 0
  for _, outcome in ipairs(gentask.settle(tasks)) do
    if outcome.ok then ok = ok + 1 else failed = failed + 1 end
  end
  print(("%d succeeded, %d failed, in about %ds on one thread"):format(ok, failed, os.time() - started))
end)
