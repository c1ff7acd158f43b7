// The door page (/staff/scan): read QR codes with the camera and check each party in at once.
// Decodes in the browser: BarcodeDetector where the browser has it, else jsQR (static/vendor/).
// Without JavaScript or a camera, the page's form takes a typed code instead.
(function () {
  "use strict";

  var SCAN_EVERY_MS = 150;
  // The same code again is ignored while it stays in view and this long after it was last seen.
  var REPEAT_AFTER_MS = 3000;
  var LARGEST_SIDE = 720;  // pixels handed to jsQR: enough for a phone held at arm's length

  var scanner = document.getElementById("scanner");
  var form = document.getElementById("code-form");
  if (!scanner || !form) {
    return;
  }
  var video = document.getElementById("scan-video");
  var problem = document.getElementById("camera-problem");
  var okBox = document.getElementById("scan-ok");
  var refusedBox = document.getElementById("scan-refused");
  var offline = document.getElementById("scan-offline").textContent;
  var csrfToken = form.querySelector("input[name=csrf_token]");
  var codeField = document.getElementById("code");

  var stream = null;
  var starting = false;
  var decode = null;
  var busy = false;
  var lastCode = null;
  var lastSeen = 0;
  var timer = null;

  function paragraph(className, text) {
    var element = document.createElement("p");
    element.className = className;
    element.textContent = text;
    return element;
  }

  // The crossed-out camera of templates/staff/_photo_consent.html.
  function noPhotosIcon() {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    var attributes = { "class": "no-photos-icon", "aria-hidden": "true", "focusable": "false",
      "viewBox": "0 0 24 24", "width": "18", "height": "18" };
    Object.keys(attributes).forEach(function (name) {
      svg.setAttribute(name, attributes[name]);
    });
    [
      ["path", { d: "M4 8h3.2l1.8-2.5h6l1.8 2.5H20v11H4z", fill: "none", stroke: "currentColor",
        "stroke-width": "2", "stroke-linejoin": "round" }],
      ["circle", { cx: "12", cy: "13.5", r: "3.2", fill: "none", stroke: "currentColor",
        "stroke-width": "2" }],
      ["path", { d: "M3 3l18 18", stroke: "currentColor", "stroke-width": "2.5",
        "stroke-linecap": "round" }]
    ].forEach(function (shape) {
      var element = document.createElementNS(ns, shape[0]);
      Object.keys(shape[1]).forEach(function (name) {
        element.setAttribute(name, shape[1][name]);
      });
      svg.appendChild(element);
    });
    return svg;
  }

  function show(result) {
    var box = result.admitted ? okBox : refusedBox;
    okBox.textContent = "";
    refusedBox.textContent = "";
    var title = paragraph("door-title", " " + result.title);
    var mark = document.createElement("span");
    mark.className = "door-mark";
    mark.setAttribute("aria-hidden", "true");
    mark.textContent = result.admitted ? "✓" : "✕";
    title.insertBefore(mark, title.firstChild);
    box.appendChild(title);
    if (result.reason) {
      box.appendChild(paragraph("door-reason", result.reason));
    }
    if (result.party) {
      box.appendChild(paragraph("door-party", result.party));
    }
    if (result.photos) {
      var photos = paragraph("door-photos", " " + result.photos);
      photos.insertBefore(noPhotosIcon(), photos.firstChild);
      box.appendChild(photos);
    }
    if (box.scrollIntoView) {
      box.scrollIntoView({ block: "nearest" });
    }
    if (navigator.vibrate) {
      navigator.vibrate(result.admitted ? 120 : [120, 80, 120]);
    }
  }

  function send(text) {
    busy = true;
    var headers = {
      "Content-Type": "application/json",
      "Accept": "application/json"
    };
    if (csrfToken) {
      headers["X-CSRFToken"] = csrfToken.value;
    }
    return fetch(scanner.getAttribute("data-endpoint"), {
      method: "POST",
      credentials: "same-origin",
      headers: headers,
      body: JSON.stringify({ code: text })
    })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (type.indexOf("application/json") === -1) {
          throw new Error("not a door answer");
        }
        return response.json();
      })
      .then(function (result) {
        if (typeof result.title !== "string") {
          throw new Error("not a door answer");
        }
        show(result);
      })
      .catch(function () {
        lastCode = null;  // let the same code through again once the connection is back
        show({ admitted: false, title: offline, reason: "", party: "" });
      })
      .then(function () {
        busy = false;
      });
  }

  function seen(text) {
    var now = Date.now();
    var repeated = text === lastCode && now - lastSeen < REPEAT_AFTER_MS;
    lastCode = text;
    lastSeen = now;
    if (!repeated) {
      send(text);
    }
  }

  function jsqrDecoder() {
    var canvas = document.createElement("canvas");
    var context = canvas.getContext("2d", { willReadFrequently: true });
    return function () {
      var width = video.videoWidth;
      var height = video.videoHeight;
      if (!width || !height || typeof window.jsQR !== "function") {
        return Promise.resolve(null);
      }
      var scale = Math.min(1, LARGEST_SIDE / Math.max(width, height));
      canvas.width = Math.round(width * scale);
      canvas.height = Math.round(height * scale);
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var image = context.getImageData(0, 0, canvas.width, canvas.height);
      var found = window.jsQR(image.data, image.width, image.height, {
        inversionAttempts: "attemptBoth"
      });
      return Promise.resolve(found ? found.data : null);
    };
  }

  function detectorDecoder() {
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    return function () {
      return detector.detect(video).then(function (codes) {
        return codes.length ? codes[0].rawValue : null;
      });
    };
  }

  function chooseDecoder() {
    if (!("BarcodeDetector" in window) || !window.BarcodeDetector.getSupportedFormats) {
      return Promise.resolve(jsqrDecoder());
    }
    return window.BarcodeDetector.getSupportedFormats()
      .then(function (formats) {
        return formats.indexOf("qr_code") === -1 ? jsqrDecoder() : detectorDecoder();
      })
      .catch(jsqrDecoder);
  }

  function tick() {
    timer = null;
    if (!stream) {
      return;
    }
    var next = function () {
      if (stream && !timer) {
        timer = window.setTimeout(tick, SCAN_EVERY_MS);
      }
    };
    if (busy || video.readyState < 2) {
      next();
      return;
    }
    Promise.resolve()
      .then(decode)
      .then(function (text) {
        if (text) {
          seen(text);
        }
      })
      .catch(function () {})
      .then(next);
  }

  function cameraFailed(kind) {
    stopCamera();
    scanner.hidden = true;
    problem.hidden = false;
    var messages = problem.querySelectorAll("[data-problem]");
    for (var i = 0; i < messages.length; i += 1) {
      messages[i].hidden = messages[i].getAttribute("data-problem") !== kind;
    }
  }

  function stopCamera() {
    if (stream) {
      stream.getTracks().forEach(function (track) {
        track.stop();
      });
    }
    stream = null;
    if (timer) {
      window.clearTimeout(timer);
      timer = null;
    }
  }

  function startCamera() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      cameraFailed(window.isSecureContext === false ? "insecure" : "absent");
      return;
    }
    if (starting || stream) {
      return;
    }
    starting = true;
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: { ideal: "environment" } }, audio: false })
      .then(function (opened) {
        stream = opened;
        video.srcObject = opened;
        opened.getVideoTracks().forEach(function (track) {
          track.addEventListener("ended", function () {
            if (stream === opened) {
              cameraFailed("absent");  // taken by another app, or unplugged
            }
          });
        });
        problem.hidden = true;
        scanner.hidden = false;
        return Promise.all([video.play(), chooseDecoder()]);
      })
      .then(function (ready) {
        starting = false;
        decode = ready[1];
        tick();
      })
      .catch(function (error) {
        starting = false;
        var refused = error && (error.name === "NotAllowedError" || error.name === "SecurityError");
        cameraFailed(refused ? "refused" : "absent");
      });
  }

  form.addEventListener("submit", function (event) {
    if (!window.fetch) {
      return;  // the ordinary form post renders the answer
    }
    event.preventDefault();
    var text = codeField.value;
    send(text).then(function () {
      codeField.value = "";
      codeField.focus();
    });
  });

  document.getElementById("camera-retry").addEventListener("click", startCamera);
  document.addEventListener("visibilitychange", function () {
    if (document.hidden) {
      stopCamera();
    } else if (!stream && problem.hidden) {
      startCamera();
    }
  });

  startCamera();
})();
