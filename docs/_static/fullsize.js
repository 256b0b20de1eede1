// Every gallery image opens its full-size PNG when clicked (the user guide's
// figures do the same through their :target: option).
document.addEventListener("DOMContentLoaded", function () {
  var images = document.querySelectorAll(
    "img.sphx-glr-single-img, img.sphx-glr-multi-img"
  );
  images.forEach(function (img) {
    if (img.closest("a")) {
      return;
    }
    var link = document.createElement("a");
    link.href = img.getAttribute("src");
    link.className = "fullsize-link";
    link.title = "Open the full-size image";
    img.parentNode.insertBefore(link, img);
    link.appendChild(img);
  });
});
