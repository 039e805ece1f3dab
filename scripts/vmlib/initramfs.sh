# shellcheck shell=bash
# scripts/vm's initramfs: busybox, scripts/guest/init, and whatever 9p and
# overlayfs need that the kernel has as modules, in load order.  Built once
# per kernel and init, and reused.

# Prints the path of the initramfs for the kernel of the sourced env file
# ENV_FILE (KERNEL_MODROOT, KERNEL_RELEASE), named NAME, under DIR.
vm_initramfs() {
	local env_file=$1 name=$2 dir=$3 out key tmp line path mod n=0
	key=$(cat "$env_file" "$TOASTER_ROOT/scripts/guest/init" /bin/busybox | sha256sum | cut -c1-16)
	out=$dir/initramfs-$name-$key.cpio.gz
	if [ ! -e "$out" ]; then
		rm -f "$dir/initramfs-$name-"*.cpio.gz
		tmp=$(mktemp -d)
		mkdir -p "$tmp"/{bin,dev,proc,sys,modules}
		cp /bin/busybox "$tmp/bin/busybox"
		cp "$TOASTER_ROOT/scripts/guest/init" "$tmp/init"
		: >"$tmp/modules/order"
		while read -r line; do
			case $line in
			insmod\ *)
				path=${line#insmod }
				path=${path%% *}
				n=$((n + 1))
				mod=$(printf '%02d-%s' "$n" "$(basename "$path")")
				# busybox's insmod takes no compressed module
				case $path in
				*.xz) xz -dc "$path" >"$tmp/modules/${mod%.xz}"; mod=${mod%.xz} ;;
				*.zst) zstd -qdc "$path" >"$tmp/modules/${mod%.zst}"; mod=${mod%.zst} ;;
				*) cp "$path" "$tmp/modules/$mod" ;;
				esac
				echo "$mod" >>"$tmp/modules/order"
				;;
			esac
		done < <(modprobe -d "$KERNEL_MODROOT" -S "$KERNEL_RELEASE" --show-depends -a \
			virtio_pci 9pnet_virtio 9p overlay 2>/dev/null | awk '!seen[$0]++')
		(cd "$tmp" && find . | cpio -o -H newc --quiet | gzip -1) >"$out.tmp"
		mv "$out.tmp" "$out"
		rm -rf "$tmp"
	fi
	printf '%s\n' "$out"
}
