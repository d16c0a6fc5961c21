
local function is_hook(kept) return string.sub(kept, 1, 1) == '{' end
local function kept_secret(kept)
  if not is_hook(kept) then return kept end
  local ok, hook = pcall(cjson.decode, kept)
  return ok and type(hook) == 'table' and hook.secret or ''
end
