// The evidence map of a flag page and the way to an inspector's grid, drawn with the vendored
// Leaflet. The data comes from the page's <script type="application/json" id="map-data"> block
// (the CSP allows no inline script); coordinates are already in the base tiles' datum.
(function () {
  "use strict";
  var holder = document.getElementById("map");
  var source = document.getElementById("map-data");
  if (!holder || !source || typeof L === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var words = data.labels || {};
  var map = L.map(holder, { preferCanvas: false, attributionControl: !!data.tiles, zoomSnap: 0.25 });
  if (map.attributionControl) { map.attributionControl.setPrefix(false); }
  if (data.tiles) {
    L.tileLayer(data.tiles.url, { subdomains: data.tiles.subdomains, attribution: data.tiles.attribution,
                                  maxZoom: 18 }).addTo(map);
  }
  var layers = { grid: null, track: [], span: [], stays: [], gaps: [], checkin: null };
  window.superviseMap = { map: map, layers: layers };

  var area = data.area;
  if (area) {
    layers.grid = area.circle_m ? L.circle(area.centre, { radius: area.circle_m, className: "grid-area",
                                                          color: "#2b7bb9", weight: 2, fillOpacity: 0.12 })
                                : L.polygon(area.rings, { className: "grid-area", color: "#2b7bb9", weight: 2,
                                                          fillOpacity: 0.12 });
    layers.grid.bindTooltip(words.grid || "grid").addTo(map);
    layers.centre = L.circleMarker(area.centre, { radius: 4, color: "#2b7bb9", className: "grid-centre" })
      .bindTooltip(words.centre || "centre").addTo(map);
  }

  var track = data.track || [];
  var t0 = track.length ? track[0][2] : 0;
  var t1 = track.length ? track[track.length - 1][2] : 1;
  function colourAt(t) {               // early blue → late purple-red, by time across the shift
    var f = t1 > t0 ? (t - t0) / (t1 - t0) : 0;
    var hue = Math.round(220 + 140 * f);
    return "hsl(" + (hue % 360) + ", 75%, 40%)";
  }
  var CHUNK = 8;
  for (var i = 0; i + 1 < track.length; i += CHUNK) {
    var piece = track.slice(i, Math.min(i + CHUNK + 1, track.length));
    var line = L.polyline(piece.map(function (p) { return [p[0], p[1]]; }),
                          { color: colourAt(piece[0][2]), weight: 3, opacity: 0.85, className: "track-line" });
    layers.track.push(line.addTo(map));
  }
  var span = data.span || [0, 0];
  var inSpan = track.filter(function (p) { return p[2] >= span[0] && p[2] <= span[1]; });
  if (inSpan.length > 1) {
    var halo = L.polyline(inSpan.map(function (p) { return [p[0], p[1]]; }),
                          { color: "#d7191c", weight: 8, opacity: 0.35, className: "flag-span" });
    layers.span.push(halo.bindTooltip(words.span || "flagged span").addTo(map));
  }
  (data.gaps || []).forEach(function (gap) {
    layers.gaps.push(L.polyline(gap.line, { color: "#555", weight: 3, dashArray: "8 6", className: "gap-line" })
      .bindTooltip((words.gap || "gap") + " " + gap.label).addTo(map));
  });
  (data.stays || []).forEach(function (stay) {
    var flagged = stay.to >= span[0] && stay.from <= span[1];
    layers.stays.push(L.circle(stay.at, { radius: Math.max(stay.radius_m, 5), color: "#b35806",
                                          fillColor: "#fdae61", fillOpacity: flagged ? 0.55 : 0.3,
                                          weight: flagged ? 3 : 1, className: "stay" })
      .bindTooltip((words.stay || "stay") + " " + stay.label).addTo(map));
  });
  if (data.checkin) {
    var c = data.checkin;
    var group = [L.circleMarker(c.at, { radius: 6, color: "#0b5cad", fillOpacity: 1, className: "checkin-point" })
      .bindTooltip(words.checkin || "sign-in")];
    if (c.accuracy_m) {
      group.push(L.circle(c.at, { radius: c.accuracy_m, color: "#0b5cad", weight: 1, fillOpacity: 0.1,
                                  className: "checkin-accuracy" }));
    }
    layers.checkin = L.featureGroup(group).addTo(map);
  }

  // zoomed to the flagged span (its fixes and the stays in it), else to the grid
  var focus = inSpan.map(function (p) { return [p[0], p[1]]; });
  (data.stays || []).forEach(function (s) { if (s.to >= span[0] && s.from <= span[1]) { focus.push(s.at); } });
  if (data.checkin) { focus.push(data.checkin.at); }
  var bounds = focus.length ? L.latLngBounds(focus) : null;
  if (!bounds && layers.grid) { bounds = layers.grid.getBounds(); }
  if (bounds) { map.fitBounds(bounds.pad(0.25), { maxZoom: 18 }); } else { map.setView([45.75, 126.63], 13); }
  holder.setAttribute("data-ready", "1");
})();
