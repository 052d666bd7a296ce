-- LÖVE 11.4 configuration for spec/love_spec.lua: headless. No window (so no display, no
-- OpenGL) and none of the modules that want a display, a sound card or input devices; what is
-- left — event, timer, filesystem, data, math, system — runs anywhere, with DISPLAY unset.
function love.conf(t)
  t.version = "11.4"
  t.identity = "gentask-spec"   -- the save directory's name; the spec points HOME and XDG dirs at a temp dir
  t.console = false
  t.accelerometerjoystick = false
  t.window = false              -- love.init then never calls love.window.setMode
  local m = t.modules
  m.window = false
  m.graphics = false            -- love.run skips draw and present when love.graphics is nil
  m.audio = false
  m.sound = false
  m.video = false
  m.image = false
  m.font = false
  m.joystick = false
  m.keyboard = false
  m.mouse = false
  m.touch = false
  m.physics = false
  m.thread = false
  -- kept: event (love.event.quit ends the run), timer (dt, love.timer.getTime), data, math, system
  m.event = true
  m.timer = true
end
