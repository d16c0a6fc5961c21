local leads = former_name(ARGV[2], tonumber(ARGV[3]))
if not leads then return '' end
return leads[3]
