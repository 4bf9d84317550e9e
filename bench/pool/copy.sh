# The container benchmark's trivial launcher (busybox sh): copies input x to output value. It reads
# the definition itself when run without the contract's variables (the xargs baseline).
set -eu
if [ -z "${output_value_file-}" ]; then
  def=$(cat "$TKR_DIR/$1")
  dir=$(printf %s "$def" | sed 's/.*"output_dir":"\([^"]*\)\/outputs".*/\1/')
  input_x_file="$TKR_DIR/$dir/x"
  output_value_file="$TKR_DIR/$dir/outputs/value"
  done_path="$TKR_DIR/$dir/_done"
fi
cat "$input_x_file" > "$output_value_file"
touch "$done_path"
