-- LÖVE 11.4 configuration for spec/love_spec.lua: headless. No window (so no display, no
-- OpenGL) and none of the modules that want a display, a sound card or input devices; what is
-- left — event, timer, filesystem, data, math, system — runs anywhere, with DISPLAY unset.
function love.conf(t)
  t.version = "11.4"
  t.identity = "gentask-spec"   -- the save directory's name; the spec points HOME and XDG dirs at a temp dir
  t.console = false
  t.accelerometerjoystick = false
  t.window = false              -- love.init then never calls love.window.setMode
  -- without graphics love.run skips draw and present; kept: event (love.event.quit ends the
  -- run), timer (dt, love.timer.getTime), data, math, system
  for _, name in ipairs { "window", "graphics", "audio", "sound", "video", "image", "font",
                          "joystick", "keyboard", "mouse", "touch", "physics", "thread" } do
    t.modules[name] = false
  end
  t.modules.event = true
  t.modules.timer = true
end
