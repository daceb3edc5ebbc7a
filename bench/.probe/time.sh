for r in 1 2 3 4 5 6 7 8 9 10; do
for f in empty/index.js sdk-bundled/read-calls/index.js sdk-external/read-calls/index.js; do
  s=$(date +%s%N); node -e "require('/work/main/bench/.probe/out/$f')"; e=$(date +%s%N); echo "$f $(( (e-s)/1000000 ))"
done; done | sort | awk '{a[$1]=a[$1]" "$2} END{for(k in a) print k, a[k]}'
